"""The teen's job pages: her feed, a job, applying, her applications, her jobs and their
calendar file. She sees a job's area, never its street, until a provider accepts her; nobody
else sees her applications or jobs; other roles get 403."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AvailabilitySlot,
    BlockedPair,
    Category,
    TeenStatus,
)
from marketplace.selectors import feed_for_teen
from marketplace.services.jobs import application_accept, application_create, job_create
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
STREET = "Kölnstraße 1"  # make_provider's street, which every job here inherits
PHONE = "02421 123456"


def next_saturday(hour, minute=0, weeks=0):
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 or 7
    day = today + timedelta(days=days + 7 * weeks)
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def job_data(**overrides):
    data = {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten, Rechen ist da.",
            "starts_at": next_saturday(11), "ends_at": next_saturday(12, 30), "hourly_rate": Decimal("8.00"),
            "helpers_needed": 1}
    data.update(overrides)
    return data


@pytest.fixture
def world(exchange):
    """Kreis Düren: a provider in 52349, its coordinator, and Lena (15, in 52349, Saturdays
    10–16, likes gardening)."""
    provider = make_provider(exchange)
    coordinator = make_coordinator(exchange)
    lena = make_teen(exchange, age=15, first_name="Lena")
    lena.interests.add(Category.objects.get(exchange=exchange, slug="garden"))
    return provider, coordinator, lena


def open_job(provider, coordinator, **overrides):
    """A job entered by the coordinator, so it is open at once (no review)."""
    return job_create(provider=provider, by=coordinator, data=job_data(**overrides))


def login(client, teen):
    client.force_login(teen.user)
    return client


def job_url(job):
    return reverse("teen_job", args=[job.pk])


def html_of(response):
    return response.content.decode()


# --- the feed -------------------------------------------------------------------------------

def test_an_active_teen_sees_an_open_job_in_her_feed_with_distance_and_reasons_but_no_street(
        client, world, exchange):
    provider, coordinator, lena = world
    lena.radius_km = 10
    lena.postcode_id = "52372"  # Kreuzau, some 6 km from the job in Düren
    lena.save()
    job = open_job(provider, coordinator)
    [(_, ranked)] = feed_for_teen(teen=lena)
    km = f"{ranked.distance_km:g}".replace(".", ",")

    response = login(client, lena).get(reverse("teen_feed"))
    assert response.status_code == 200
    html = html_of(response)
    assert "Laub rechen" in html and job_url(job) in html
    assert "Garten" in html and "52349 Düren" in html
    assert f"{km}&nbsp;km von dir" in html
    assert "Interessiert sich für Garten" in html
    assert "8&nbsp;€ pro Stunde" in html and "(zusammen 12&nbsp;€)" in html
    assert "11:00–12:30 Uhr" in html
    assert STREET not in html and "Kölnstraße" not in html
    assert "beworben" not in html


def test_a_window_job_shows_the_suggested_time(client, world):
    provider, coordinator, lena = world
    day = next_saturday(0).date()
    open_job(provider, coordinator, starts_at=None, ends_at=None, window_start=day,
             window_end=day + timedelta(days=1), duration_minutes=90)
    html = html_of(login(client, lena).get(reverse("teen_feed")))
    assert "Flexibel – Vorschlag: Sa" in html


def test_a_job_of_another_exchange_or_beyond_her_radius_is_not_shown_and_its_page_is_404(
        client, world, exchange, other_exchange):
    provider, coordinator, lena = world
    aachen = make_provider(other_exchange, postcode="52062")
    aachen_job = open_job(aachen, make_coordinator(other_exchange), title="Hund ausführen in Aachen",
                          category="pets")
    juelich_job = open_job(provider, coordinator, title="Einkaufen in Jülich", category="shopping",
                           postcode="52428")  # 13 km away, Lena's radius is 5 km
    near = open_job(provider, coordinator, title="Rasen mähen nebenan", starts_at=next_saturday(14),
                    ends_at=next_saturday(15))

    login(client, lena)
    html = html_of(client.get(reverse("teen_feed")))
    assert "Rasen mähen nebenan" in html
    assert "Aachen" not in html and "Jülich" not in html
    for job in (aachen_job, juelich_job):
        assert client.get(job_url(job)).status_code == 404
        assert client.post(job_url(job), {"message": "Hallo"}).status_code == 404
    assert client.get(job_url(near)).status_code == 200
    assert client.get(reverse("teen_job", args=[99999])).status_code == 404
    assert not Application.objects.exists()


def test_a_job_of_a_blocked_provider_is_out_of_sight(client, world, exchange):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    BlockedPair.objects.create(exchange=exchange, teen=lena, provider=provider, created_by=coordinator)
    login(client, lena)
    assert "Laub rechen" not in html_of(client.get(reverse("teen_feed")))
    assert client.get(job_url(job)).status_code == 404


def test_a_teen_who_is_not_active_yet_sees_why_and_no_jobs(client, world, exchange):
    provider, coordinator, _ = world
    mia = make_teen(exchange, age=15, first_name="Mia", status=TeenStatus.INTAKE_PENDING)
    job = open_job(provider, coordinator)
    login(client, mia)
    response = client.get(reverse("teen_feed"))
    assert response.status_code == 200
    html = html_of(response)
    assert "Fast geschafft!" in html and "Kennenlerngespräch" in html
    assert "Laub rechen" not in html
    assert client.get(job_url(job)).status_code == 404


def test_a_self_paused_teen_can_come_back_from_the_feed(client, world):
    _, _, lena = world
    from marketplace.services.teens import teen_pause_self

    teen_pause_self(teen=lena, paused=True)
    html = html_of(login(client, lena).get(reverse("teen_feed")))
    assert "Du machst gerade Pause." in html
    assert 'action="{}"'.format(reverse("teen_pause")) in html


def test_an_active_teen_without_fitting_jobs_is_told_what_she_could_change(client, world):
    provider, coordinator, lena = world
    open_job(provider, coordinator, postcode="52428", title="Einkaufen in Jülich", category="shopping")
    html = html_of(login(client, lena).get(reverse("teen_feed")))
    assert "Gerade passt kein Auftrag zu dir." in html
    assert "ist 1 Auftrag offen" in html
    assert "Gerade sind es 5&nbsp;km." in html
    assert "#id_radius_km" in html and "#zeiten" in html
    assert "Einkaufen in Jülich" not in html


# --- a job and applying -----------------------------------------------------------------------

def test_the_job_page_shows_the_area_the_rules_and_the_reasons_but_not_the_street(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    response = login(client, lena).get(job_url(job))
    assert response.status_code == 200
    html = html_of(response)
    assert "Im Vorgarten, Rechen ist da." in html
    assert "52349 Düren" in html and STREET not in html and PHONE not in html
    assert "nicht erlaubt" in html and job.category.not_allowed.splitlines()[0][:20] in html
    assert "Interessiert sich für Garten" in html
    assert [t["name"] for t in tags(html, "textarea")] == ["message"]
    assert any(t.get("for") == "id_message" for t in tags(html, "label"))


def test_she_applies_with_a_message(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    login(client, lena)
    response = client.post(job_url(job), {"message": "  Ich helfe gern!  "})
    assert response.status_code == 302 and response.url == job_url(job)
    application = Application.objects.get(job=job, teen=lena)
    assert application.message == "Ich helfe gern!"
    assert application.status == ApplicationStatus.PENDING

    html = html_of(client.get(job_url(job)))
    assert "deine Bewerbung ist abgeschickt" in html
    assert "Beworben – wartet auf Antwort" in html and "Ich helfe gern!" in html
    assert 'name="message"' not in html
    assert "beworben" in html_of(client.get(reverse("teen_feed")))


def test_applying_with_htmx_swaps_only_the_apply_section(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    response = login(client, lena).post(job_url(job), {"message": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith('<section id="bewerben"')
    assert "deine Bewerbung ist abgeschickt" in html and "<html" not in html
    assert Application.objects.filter(job=job, teen=lena, message="").exists()


def test_applying_twice_gives_a_friendly_message_and_one_application(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    login(client, lena)
    client.post(job_url(job), {"message": "Erstes Mal"})
    response = client.post(job_url(job), {"message": "Zweites Mal"}, follow=True)
    assert response.status_code == 200
    assert "Du hast dich schon für diesen Auftrag gemeldet." in html_of(response)
    assert Application.objects.filter(job=job, teen=lena).count() == 1
    assert Application.objects.get(job=job, teen=lena).message == "Erstes Mal"


def test_a_too_long_message_is_refused_next_to_the_field(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    response = login(client, lena).post(job_url(job), {"message": "x" * 1001})
    assert response.status_code == 200
    assert "Höchstens 1000 Zeichen" in html_of(response)
    assert not Application.objects.exists()


def test_a_14_year_old_cannot_apply_to_a_job_after_18_h(client, world, exchange):
    provider, coordinator, _ = world
    mia = make_teen(exchange, age=14, first_name="Mia")
    AvailabilitySlot.objects.create(teen=mia, weekday=5, start=time(17), end=time(20))
    job = open_job(provider, coordinator, starts_at=next_saturday(18), ends_at=next_saturday(19))
    login(client, mia)
    assert "Laub rechen" not in html_of(client.get(reverse("teen_feed")))

    page = html_of(client.get(job_url(job)))
    assert "Nach 18 Uhr nicht erlaubt" in page and 'name="message"' not in page

    response = client.post(job_url(job), {"message": "Bitte!"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Bewerben geht leider nicht" in html and "Nach 18 Uhr nicht erlaubt" in html
    assert not Application.objects.filter(teen=mia).exists()


def test_a_job_that_was_filled_meanwhile_sends_her_back_to_the_feed_with_a_message(client, world, exchange):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    login(client, lena)
    assert client.get(job_url(job)).status_code == 200
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    application_accept(application=application_create(job=job, teen=jonas), by=provider.user)
    response = client.post(job_url(job), {"message": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("teen_feed")
    assert "kann man sich nicht mehr bewerben" in html_of(response)
    assert not Application.objects.filter(teen=lena).exists()

    htmx = client.post(job_url(job), {"message": ""}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == reverse("teen_feed")


def test_a_job_for_two_helpers_says_how_many_places_are_left(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator, helpers_needed=2)
    html = html_of(login(client, lena).get(job_url(job)))
    assert "2 gesucht, noch 2 Plätze frei" in html


# --- her applications -------------------------------------------------------------------------

def test_she_withdraws_a_pending_application(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    application = application_create(job=job, teen=lena, message="Gern")
    login(client, lena)
    html = html_of(client.get(reverse("teen_applications")))
    assert "Laub rechen" in html and "Beworben – wartet auf Antwort" in html
    withdraw_url = reverse("teen_application_withdraw", args=[application.pk])
    assert withdraw_url in html

    response = client.post(withdraw_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("teen_applications")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    html = html_of(response)
    assert "Du hast deine Bewerbung zurückgezogen." in html and "Von dir zurückgezogen" in html
    assert withdraw_url not in html

    again = client.post(withdraw_url, follow=True)
    assert "kann nicht mehr zurückgezogen werden" in html_of(again)
    assert client.get(withdraw_url).status_code == 405


def test_withdrawing_from_the_job_page_returns_there(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    application = application_create(job=job, teen=lena)
    login(client, lena)
    response = client.post(reverse("teen_application_withdraw", args=[application.pk]),
                           {"next": job_url(job)})
    assert response.url == job_url(job)
    response = client.post(reverse("teen_application_withdraw", args=[application.pk]),
                           {"next": "https://example.com/"})
    assert response.url == reverse("teen_applications")


# --- her jobs ---------------------------------------------------------------------------------

def test_after_acceptance_her_jobs_page_shows_the_street_and_the_providers_phone(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    login(client, lena)
    assert STREET not in html_of(client.get(reverse("teen_assignments")))
    application = application_create(job=job, teen=lena)
    assert STREET not in html_of(client.get(job_url(job)))

    assignment = application_accept(application=application, by=provider.user)
    html = html_of(client.get(reverse("teen_assignments")))
    assert "Laub rechen" in html and STREET in html and "52349 Düren" in html
    assert "Hildegard Muster" in html
    assert f'href="tel:02421123456">{PHONE}</a>' in html
    assert reverse("assignment_cancel", args=[assignment.pk]) in html
    assert reverse("assignment_incident", args=[assignment.pk]) in html
    assert reverse("assignment_complete", args=[assignment.pk]) not in html  # not before the job
    assert reverse("teen_calendar") in html

    page = html_of(client.get(job_url(job)))  # the job is filled now, but it is hers
    assert STREET in page and PHONE in page and "Du bist dabei!" in page
    assert "Zusage – du bist dabei!" in html_of(client.get(reverse("teen_applications")))


def test_after_the_job_she_is_offered_to_confirm_and_later_to_rate(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    assignment = application_accept(application=application_create(job=job, teen=lena), by=provider.user)
    Assignment.objects.filter(pk=assignment.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2))
    login(client, lena)
    html = html_of(client.get(reverse("teen_assignments")))
    assert "Frühere Einsätze" in html
    assert reverse("assignment_complete", args=[assignment.pk]) in html
    assert reverse("assignment_cancel", args=[assignment.pk]) not in html
    assert reverse("assignment_feedback", args=[assignment.pk]) not in html  # only once it is done

    from marketplace.services.assignments import assignment_complete

    assignment_complete(assignment=assignment, by=provider.user, amount_paid=Decimal("8.00"))
    html = html_of(client.get(reverse("teen_assignments")))
    assert reverse("assignment_feedback", args=[assignment.pk]) in html
    assert "8&nbsp;€ bekommen" in html


def _unfolded(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_the_ical_download_has_one_event_per_assignment_in_utc(client, world):
    provider, coordinator, lena = world
    first = open_job(provider, coordinator)
    second = open_job(provider, coordinator, title="Hecke schneiden", starts_at=next_saturday(11, weeks=1),
                      ends_at=next_saturday(12, weeks=1))
    assignments = [application_accept(application=application_create(job=job, teen=lena), by=provider.user)
                   for job in (first, second)]

    response = login(client, lena).get(reverse("teen_calendar"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".ics" in response["Content-Disposition"]
    lines = _unfolded(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")
    starts = [line.removeprefix("DTSTART:") for line in lines if line.startswith("DTSTART")]
    assert starts == [f"{a.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" for a in assignments]
    assert all(s.endswith("Z") for s in starts)


# --- who may see what -------------------------------------------------------------------------

def test_another_teen_never_sees_her_applications_or_jobs(client, world, exchange):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    pending_job = open_job(provider, coordinator, title="Beet jäten", starts_at=next_saturday(14),
                           ends_at=next_saturday(15))
    pending = application_create(job=pending_job, teen=lena, message="Geheime Nachricht")
    application_accept(application=application_create(job=job, teen=lena), by=provider.user)

    jonas = make_teen(exchange, age=17, first_name="Jonas", email="jonas@example.org")
    login(client, jonas)
    applications = html_of(client.get(reverse("teen_applications")))
    assert "Laub rechen" not in applications and "Beet jäten" not in applications
    assignments = html_of(client.get(reverse("teen_assignments")))
    assert "Laub rechen" not in assignments and STREET not in assignments
    assert client.get(job_url(job)).status_code == 404  # filled, and not his
    page = html_of(client.get(job_url(pending_job)))  # open, in his area: but not her message
    assert "Geheime Nachricht" not in page and 'name="message"' in page
    assert client.post(reverse("teen_application_withdraw", args=[pending.pk])).status_code == 404
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.PENDING
    calendar = client.get(reverse("teen_calendar")).content.decode()
    assert "BEGIN:VEVENT" not in calendar


def teen_urls(job_pk=1, application_pk=1):
    return [reverse("teen_feed"), reverse("teen_job", args=[job_pk]), reverse("teen_applications"),
            reverse("teen_assignments"), reverse("teen_calendar")]


def test_providers_and_coordinators_get_403_on_teen_pages(client, world):
    provider, coordinator, lena = world
    job = open_job(provider, coordinator)
    application = application_create(job=job, teen=lena)
    for user in (provider.user, coordinator):
        client.force_login(user)
        for url in teen_urls(job.pk):
            assert client.get(url).status_code == 403, url
        assert client.post(job_url(job), {"message": "x"}).status_code == 403
        assert client.post(reverse("teen_application_withdraw", args=[application.pk])).status_code == 403
    assert Application.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    for url in teen_urls():
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url


def test_the_dashboard_links_to_her_jobs_when_she_is_active(client, world, exchange):
    _, _, lena = world
    html = html_of(login(client, lena).get(reverse("dashboard")))
    for name in ("teen_feed", "teen_applications", "teen_assignments"):
        assert reverse(name) in html
    mia = make_teen(exchange, first_name="Mia", status=TeenStatus.INTAKE_PENDING)
    html = html_of(login(client, mia).get(reverse("dashboard")))
    # The navigation always offers the feed (which explains itself); the dashboard does not.
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert reverse("teen_feed") not in main
