"""The provider's jobs on the web: "Hilfe anfragen" in three steps, her list, one job with its
applicants (pseudonymous until she says yes) and helpers (with contact data), change, cancel.
Personas: the provider, another provider, a teen who applied, a coordinator."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Application, ApplicationStatus, Assignment, Job, JobStatus, ProviderStatus
from marketplace.services.jobs import application_accept, application_create, job_create
from tests.factories import make_coordinator, make_provider, make_teen

from .helpers import radio, tags

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW = reverse("provider_job_new")
FIXED_HOLIDAYS = {(1, 1), (1, 5), (3, 10), (1, 11), (25, 12), (26, 12)}


def next_saturday(weeks: int = 0) -> date:
    """A Saturday ahead that is no public holiday: no school, and teens may work."""
    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7, weeks=weeks)
    while (day.day, day.month) in FIXED_HOLIDAYS:
        day += timedelta(weeks=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def step1(**overrides):
    return {"step": "1", "category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            **overrides}


def step2(**overrides):
    return {"step": "2", "schedule": "fixed", "date": next_saturday().isoformat(), "start": "11:00",
            "end": "12:30", "window_start": "", "window_end": "", "duration_minutes": "",
            "helpers_needed": "1", **overrides}


def step3(**overrides):
    return {"step": "3", "street": "Kölnstraße 1", "postcode": "52349", "hourly_rate": "8,50", **overrides}


def step_url(n):
    return f"{NEW}?schritt={n}"


def job_data(**overrides):
    day = next_saturday()
    return {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            "starts_at": at(day, 11), "ends_at": at(day, 12, 30), "hourly_rate": Decimal("8.00"),
            "helpers_needed": 1, **overrides}


@pytest.fixture
def provider(exchange):
    return make_provider(exchange, email="hildegard@example.org")


@pytest.fixture
def provider_client(client, provider):
    client.force_login(provider.user)
    return client


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange)


@pytest.fixture
def open_job(provider, coordinator):
    # Entered by the coordination: published at once, no review.
    return job_create(provider=provider, by=coordinator, data=job_data())


@pytest.fixture
def lena(exchange):
    # Lives in Kreuzau, about 6 km from the provider in Düren; her radius reaches.
    return make_teen(exchange, age=15, first_name="Lena", postcode="52372", radius_km=10,
                     phone="0151 9876543", email="lena.geheim@example.org")


def post_steps(client, *steps):
    response = None
    for data in steps:
        response = client.post(NEW, data)
    return response


def assert_accessible(html: str) -> None:
    """What the pages promise a screen reader: headings without gaps, a label for every
    control, every group of radios in a fieldset with a legend."""
    import re

    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels and levels[0] == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels
    labelled = {a.get("for") for a in tags(html, "label")}
    for name in ("input", "select", "textarea"):
        for attrs in tags(html, name):
            if attrs.get("type") in ("hidden", "submit"):
                continue
            assert attrs.get("id") in labelled, attrs
    assert html.count("<fieldset") == html.count("<legend"), "every fieldset needs a legend"


# --- "Hilfe anfragen" in three steps ----------------------------------------------------------


def test_step_one_offers_each_kind_of_help_as_a_card_with_what_is_not_allowed(provider_client):
    response = provider_client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="provider"' in html
    assert "Schritt 1 von 3: Wobei brauchen Sie Hilfe?" in html
    assert "<legend>Art der Hilfe</legend>" in html
    assert "Nicht erlaubt: Keine Leitern, keine Motorsägen" in html
    assert radio(html, "category", "garden")["type"] == "radio"
    assert_accessible(html)


def test_a_provider_posts_a_job_in_three_steps(provider_client, provider):
    response = provider_client.post(NEW, step1())
    assert response.status_code == 302 and response["Location"] == step_url(2)
    html = provider_client.get(step_url(2)).content.decode()
    assert "Schritt 2 von 3: Wann?" in html
    assert_accessible(html)

    response = provider_client.post(NEW, step2())
    assert response.status_code == 302 and response["Location"] == step_url(3)
    page = provider_client.get(step_url(3))
    html = page.content.decode()
    assert "Schritt 3 von 3: Wo und wie viel?" in html
    # Her address and the exchange's recommended rate are already filled in; the minimum is named.
    assert 'value="Kölnstraße 1"' in html and 'value="52349"' in html and 'value="8,00"' in html
    assert "mindestens 5,00 €" in html
    # The summary of steps 1 and 2, in words.
    assert page.context["summary"]["title"] == "Laub rechen"
    assert "11:00 bis 12:30 Uhr" in html and "Anfrage absenden" in html
    assert_accessible(html)
    assert Job.objects.count() == 0

    response = provider_client.post(NEW, step3(street="Kölnstraße 3"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{NEW}?danke={job.pk}"
    day = next_saturday()
    assert job.status == JobStatus.REVIEW
    assert (job.provider, job.category.slug, job.title, job.description) == (
        provider, "garden", "Laub rechen", "Im Vorgarten")
    assert (job.starts_at, job.ends_at, job.window_start) == (at(day, 11), at(day, 12, 30), None)
    assert (job.street, job.postcode_id, job.hourly_rate, job.helpers_needed) == (
        "Kölnstraße 3", "52349", Decimal("8.50"), 1)

    thanks = provider_client.get(response["Location"])
    html = thanks.content.decode()
    assert "Vielen Dank! Ihre Anfrage ist angekommen." in html
    assert "Die Koordination Ihrer Taschengeldbörse prüft Ihre Anfrage" in html
    assert_accessible(html)
    # The wizard starts afresh next time.
    assert "Laub rechen" not in provider_client.get(NEW).content.decode()


def test_without_review_in_the_policy_the_job_is_open_at_once(provider_client, exchange):
    exchange.policy.job_approval_required = False
    exchange.policy.save()
    post_steps(provider_client, step1(), step2(), step3())
    job = Job.objects.get()
    assert job.status == JobStatus.OPEN
    html = provider_client.get(f"{NEW}?danke={job.pk}").content.decode()
    assert "prüft Ihre Anfrage" not in html


def test_a_flexible_job_has_a_range_of_days_and_a_duration(provider_client):
    first, last = next_saturday(), next_saturday() + timedelta(days=6)
    post_steps(provider_client, step1(), step2(schedule="flexible", date="", start="", end="",
                                               window_start=first.isoformat(), window_end=last.isoformat(),
                                               duration_minutes="90", helpers_needed="2"), step3())
    job = Job.objects.get()
    assert (job.starts_at, job.window_start, job.window_end, job.duration_minutes, job.helpers_needed) == (
        None, first, last, 90, 2)


def test_back_keeps_what_she_typed(provider_client):
    post_steps(provider_client, step1())
    response = provider_client.post(NEW, step2(start="14:00", back="1"))
    assert response["Location"] == step_url(1)
    html = provider_client.get(step_url(2)).content.decode()
    assert '<option value="14:00" selected>' in html


def test_a_later_step_cannot_be_skipped_to(provider_client):
    assert provider_client.get(step_url(3))["Location"] == step_url(1)
    post_steps(provider_client, step1())
    assert provider_client.get(step_url(3))["Location"] == step_url(2)
    assert provider_client.post(NEW, step2(step="2"))["Location"] == step_url(3)


@pytest.mark.parametrize("steps, field, message", [
    ([step1(category="")], "category", "Bitte wählen Sie aus, wobei Sie Hilfe brauchen."),
    ([step1(category="ladders")], "category", "Bitte wählen Sie eine der angebotenen Möglichkeiten."),
    ([step1(title="  ")], "title", "Bitte beschreiben Sie kurz, wobei Sie Hilfe brauchen."),
    ([step1(), step2(end="")], "end", "Bitte ausfüllen."),
    ([step1(), step2(date="2020-01-04")], "date", "Dieser Tag ist schon vorbei."),
    ([step1(), step2(date="30.02.2030")], "date", "Bitte ein Datum wie 24.12.2025 angeben."),
    ([step1(), step2(start="11:07")], "start", "Bitte eine Uhrzeit wie 14:15 wählen."),
    ([step1(), step2(end="11:00")], "end", "Das Ende muss nach dem Beginn liegen."),
    ([step1(), step2(schedule="")], "schedule", "Bitte wählen Sie eine Möglichkeit."),
    ([step1(), step2(schedule="flexible", window_start="2030-05-10", window_end="2030-05-03",
                     duration_minutes="60")], "window_end", "Der letzte Tag liegt vor dem ersten."),
    ([step1(), step2(schedule="flexible", window_start="2030-05-10", window_end="2030-05-12")],
     "duration_minutes", "Bitte ausfüllen."),
    ([step1(), step2(helpers_needed="4")], "helpers_needed", "Es können 1 bis 3 Helfer sein."),
    ([step1(), step2(), step3(postcode="5234")], "postcode", "Eine Postleitzahl hat fünf Ziffern"),
    ([step1(), step2(), step3(street="")], "street", "Bitte ausfüllen."),
    ([step1(), step2(), step3(hourly_rate="acht")], "hourly_rate", "Bitte einen Betrag wie 8,50 angeben."),
    # Errors of the service's rules, after the last step, on the field they concern:
    ([step1(), step2(), step3(hourly_rate="3,00")], "hourly_rate",
     "Der Stundensatz muss mindestens 5,00 € betragen"),
    ([step1(), step2(), step3(postcode="10115")], "postcode",
     "Diese Postleitzahl liegt nicht im Gebiet von Taschengeldbörse Kreis Düren."),
])
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(provider_client, steps, field, message):
    response = post_steps(provider_client, *steps)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    html = response.content.decode()
    # The error sits with its field (Django links it with aria-describedby) and in the summary.
    assert f'id="id_{field}_error"' in html
    assert 'class="error-summary"' in html
    assert Job.objects.count() == 0
    step = int(steps[-1]["step"])
    assert str(step) not in provider_client.session.get("provider_job_wizard", {}).get("done", [])
    assert_accessible(html)


def test_an_error_of_an_earlier_step_after_the_last_one_is_shown_on_that_step(provider_client, exchange):
    post_steps(provider_client, step1(category="pets"), step2())
    exchange.categories.filter(slug="pets").update(active=False)
    response = provider_client.post(NEW, step3())
    assert response.status_code == 200
    assert response.context["step"] == 1
    assert response.context["form"].errors["category"]
    assert Job.objects.count() == 0


def test_a_job_nobody_could_do_is_refused_with_the_reasons(provider_client):
    sunday = (next_saturday() + timedelta(days=1)).isoformat()
    response = post_steps(provider_client, step1(), step2(date=sunday, start="22:00", end="01:00"), step3())
    assert response.status_code == 200
    assert response.context["step"] == 2  # back on "Wann?"
    form = response.context["form"]
    assert form.problems_heading == "So kann niemand diesen Auftrag übernehmen"
    # Three hours are more than the policy allows a day; and no weekly availability runs past
    # midnight (said as such, not as the probe's "nur 0–23:59 Uhr verfügbar").
    assert "Der Einsatz dauert 3 Std. – die Börse erlaubt höchstens 2 Std. am Tag" in form.problems
    assert "Ein Einsatz muss vor Mitternacht zu Ende sein." in form.problems
    html = response.content.decode()
    assert "23:59" not in html
    assert "So kann niemand diesen Auftrag übernehmen" in html
    for reason in form.problems:
        assert f"<li>{reason}</li>" in html
    assert Job.objects.count() == 0
    assert_accessible(html)


def test_a_provider_not_yet_vetted_learns_so_before_she_starts(client, exchange):
    pending = make_provider(exchange, status=ProviderStatus.PENDING)
    client.force_login(pending.user)
    response = client.get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Die Koordination prüft noch Ihre Angaben" in html and 'name="category"' not in html
    client.post(NEW, step1())
    assert Job.objects.count() == 0


def test_the_dashboard_links_to_the_new_pages(provider_client):
    html = provider_client.get(reverse("dashboard")).content.decode()
    assert f'href="{NEW}"' in html and f'href="{reverse("provider_jobs")}"' in html
    assert "Bald können Sie hier" not in html


@pytest.mark.parametrize("make_user", [
    lambda exchange: make_teen(exchange).user,
    lambda exchange: make_coordinator(exchange),
])
def test_the_provider_job_pages_are_forbidden_to_other_roles(client, exchange, make_user):
    client.force_login(make_user(exchange))
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("provider_jobs")).status_code == 403


# --- her jobs ---------------------------------------------------------------------------------


def test_her_list_says_the_status_in_words_the_date_and_how_many_applied(provider_client, provider,
                                                                          open_job, lena, exchange):
    application_create(job=open_job, teen=lena)
    make_provider(exchange, first_name="Gertrud")
    job_create(provider=provider, by=provider.user, data=job_data(title="Einkauf"))
    response = provider_client.get(reverse("provider_jobs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Veröffentlicht – Jugendliche können sich melden" in html
    assert "Die Koordination prüft Ihre Anfrage" in html
    assert "1 Person hat sich gemeldet" in html
    assert "11:00 bis 12:30 Uhr" in html
    assert_accessible(html)


def test_applicants_are_pseudonymous_until_she_says_yes(provider_client, open_job, lena):
    application_create(job=open_job, teen=lena, message="Ich helfe gern im Garten!")
    response = provider_client.get(reverse("provider_job", args=[open_job.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lena, 15 Jahre" in html
    assert "bis 10 km entfernt" in html
    assert "Ich helfe gern im Garten!" in html
    assert "Erledigte Einsätze" in html
    for secret in ("Beispiel", "0151", "9876543", "lena.geheim@example.org", "52372", "Kreuzau"):
        assert secret not in html, secret
    assert_accessible(html)


def test_after_accepting_she_sees_the_contact_data(provider_client, open_job, lena):
    application = application_create(job=open_job, teen=lena)
    response = provider_client.post(reverse("provider_application_accept", args=[application.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("provider_job", args=[open_job.pk]) + "#helfer"
    assignment = Assignment.objects.get()
    assert (assignment.job, assignment.teen) == (open_job, lena)
    response = provider_client.get(reverse("provider_job", args=[open_job.pk]))
    html = response.content.decode()
    assert "Sie haben Lena zugesagt." in html
    assert "Lena Beispiel" in html
    assert 'href="tel:01519876543"' in html and "0151 9876543" in html
    assert 'href="mailto:lena.geheim@example.org"' in html
    assert "Hilfe gefunden" in html
    assert_accessible(html)


def test_accepting_when_no_place_is_left_says_so_and_makes_no_second_assignment(provider_client, open_job,
                                                                                lena, exchange):
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    first = application_create(job=open_job, teen=lena)
    second = application_create(job=open_job, teen=jonas)
    provider_client.post(reverse("provider_application_accept", args=[first.pk]))
    response = provider_client.post(reverse("provider_application_accept", args=[second.pk]), follow=True)
    assert "schon alle Plätze vergeben" in response.content.decode()
    assert Assignment.objects.count() == 1
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.CLOSED


def test_she_declines_an_applicant(provider_client, open_job, lena):
    application = application_create(job=open_job, teen=lena)
    response = provider_client.post(reverse("provider_application_decline", args=[application.pk]), follow=True)
    assert "Sie haben Lena abgesagt." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    assert not Assignment.objects.exists()


def test_accept_and_decline_need_a_post(provider_client, open_job, lena):
    application = application_create(job=open_job, teen=lena)
    assert provider_client.get(reverse("provider_application_accept", args=[application.pk])).status_code == 405
    assert not Assignment.objects.exists()


def test_another_provider_gets_404_on_her_job_and_its_applications(client, exchange, open_job, lena):
    application = application_create(job=open_job, teen=lena)
    other = make_provider(exchange, first_name="Gertrud")
    client.force_login(other.user)
    for name in ("provider_job", "provider_job_edit", "provider_job_cancel"):
        assert client.get(reverse(name, args=[open_job.pk])).status_code == 404, name
    assert client.post(reverse("provider_job_cancel", args=[open_job.pk]), {"reason": "x"}).status_code == 404
    for name in ("provider_application_accept", "provider_application_decline"):
        assert client.post(reverse(name, args=[application.pk])).status_code == 404, name
    assert client.get(f"{NEW}?danke={open_job.pk}").status_code == 404
    assert "Laub rechen" not in client.get(reverse("provider_jobs")).content.decode()
    application.refresh_from_db()
    open_job.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING and open_job.status == JobStatus.OPEN


# --- change and cancel ------------------------------------------------------------------------


def test_she_changes_the_time(provider_client, open_job):
    url = reverse("provider_job_edit", args=[open_job.pk])
    html = provider_client.get(url).content.decode()
    assert 'value="Kölnstraße 1"' in html and '<option value="11:00" selected>' in html
    assert_accessible(html)
    data = {"schedule": "fixed", "date": next_saturday().isoformat(), "start": "13:00", "end": "14:00",
            "helpers_needed": "1", "street": "Kölnstraße 1", "postcode": "52349", "title": "Laub rechen",
            "description": "Im Vorgarten", "hourly_rate": "8,00"}
    response = provider_client.post(url, data)
    assert response.status_code == 302
    open_job.refresh_from_db()
    assert open_job.starts_at == at(next_saturday(), 13) and open_job.ends_at == at(next_saturday(), 14)


def test_a_change_an_accepted_helper_could_not_do_is_refused_with_her_reasons(provider_client, open_job, lena):
    application_accept(application=application_create(job=open_job, teen=lena), by=open_job.provider.user)
    data = {"schedule": "fixed", "date": next_saturday().isoformat(), "start": "17:00", "end": "18:30",
            "helpers_needed": "1", "street": "Kölnstraße 1", "postcode": "52349", "title": "Laub rechen",
            "description": "Im Vorgarten", "hourly_rate": "8,00"}
    response = provider_client.post(reverse("provider_job_edit", args=[open_job.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.problems and any(p.startswith("Lena kann dann nicht") for p in form.problems), form.problems
    html = response.content.decode()
    assert "Lena kann dann nicht" in html
    open_job.refresh_from_db()
    assert open_job.starts_at == at(next_saturday(), 11)


def test_she_cancels_her_job_with_a_reason(provider_client, open_job):
    url = reverse("provider_job_cancel", args=[open_job.pk])
    assert_accessible(provider_client.get(url).content.decode())
    response = provider_client.post(url, {"reason": ""})
    assert response.context["form"].errors["reason"] == ["Bitte einen Grund angeben."]
    open_job.refresh_from_db()
    assert open_job.status == JobStatus.OPEN
    response = provider_client.post(url, {"reason": "Hat sich erledigt"})
    assert response.status_code == 302
    open_job.refresh_from_db()
    assert (open_job.status, open_job.status_reason) == (JobStatus.CANCELLED, "Hat sich erledigt")
    # A cancelled job cannot be changed or cancelled again.
    assert provider_client.get(url).status_code == 302
    assert provider_client.get(reverse("provider_job_edit", args=[open_job.pk])).status_code == 302


def test_a_second_click_on_send_shows_the_thanks_and_makes_no_second_job(provider_client):
    first = post_steps(provider_client, step1(), step2(), step3())
    second = provider_client.post(NEW, step3())
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Job.objects.count() == 1


def test_a_job_agreed_at_a_fixed_amount_keeps_it_when_she_changes_the_time(provider_client, provider,
                                                                           coordinator):
    job = job_create(provider=provider, by=coordinator,
                     data=job_data(hourly_rate=None, fixed_amount=Decimal("15.00")))
    url = reverse("provider_job_edit", args=[job.pk])
    assert "hourly_rate" not in provider_client.get(url).context["form"].fields
    response = provider_client.post(url, {
        "schedule": "fixed", "date": next_saturday().isoformat(), "start": "12:00", "end": "13:30",
        "helpers_needed": "1", "street": "Kölnstraße 1", "postcode": "52349", "title": "Laub rechen",
        "description": "Im Vorgarten"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.starts_at, job.hourly_rate, job.fixed_amount) == (
        at(next_saturday(), 12), None, Decimal("15.00"))


def test_after_the_start_the_job_page_offers_confirming_not_changing(provider_client, open_job, lena):
    assignment = application_accept(application=application_create(job=open_job, teen=lena),
                                    by=open_job.provider.user)
    html = provider_client.get(reverse("provider_job", args=[open_job.pk])).content.decode()
    assert "Zeit oder Ort ändern" in html and "Erledigt – Stunden bestätigen" not in html
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(starts_at=now - timedelta(hours=1), ends_at=now)
    html = provider_client.get(reverse("provider_job", args=[open_job.pk])).content.decode()
    assert "Zeit oder Ort ändern" not in html and "Anfrage absagen" not in html
    assert "Erledigt – Stunden bestätigen" in html and "Nicht erschienen" in html
