"""The console's people pages: search, a teen's and a provider's history, pausing and suspending
with upcoming matches, blocked pairs, and cancelling or reassigning a match from the job page.
Personas: the coordinator of the exchange, a teen and a provider (403), and a coordinator of
another exchange (404, and no hits of this exchange in her search)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import (
    Assignment,
    AssignmentStatus,
    BlockedPair,
    Feedback,
    FeedbackAuthor,
    Incident,
    JobStatus,
    ProviderStatus,
    TeenStatus,
)
from marketplace.services.assignments import assignment_complete, feedback_give, incident_report
from marketplace.services.blocks import blocked_pair_create
from marketplace.services.jobs import assignment_create_direct, job_create
from matching.calendar import Calendar
from notifications.models import Notification
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import session_queries

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NW = Calendar(state="NW")


def next_saturday(hour, minute=0, weeks=0):
    """A Saturday ahead that is no public holiday and no 24/31 December."""
    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    while any(NW.public_holiday(d) or (d.month, d.day) in {(12, 24), (12, 31)}
              for d in (day, day + timedelta(weeks=1), day + timedelta(weeks=2))):
        day += timedelta(weeks=1)
    return datetime.combine(day + timedelta(weeks=weeks), time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def provider(exchange):
    return make_provider(exchange, first_name="Hildegard", email="hildegard@example.org")


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, age=15, first_name="Lena", email="lena@example.org", phone="0151 4711")


def make_job(provider, coordinator, *, title="Laub rechen", weeks=0, hour=11):
    return job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": title, "starts_at": next_saturday(hour, weeks=weeks),
        "ends_at": next_saturday(hour + 1, 30, weeks=weeks), "hourly_rate": Decimal("8.00"), "helpers_needed": 1})


def done_match(job, teen, coordinator, *, minutes=90):
    """A match that took place last week, confirmed by the coordinator for the provider."""
    assignment = assignment_create_direct(job=job, teen=teen, by=coordinator)
    past = timezone.now() - timedelta(days=7)
    Assignment.objects.filter(pk=assignment.pk).update(starts_at=past, ends_at=past + timedelta(minutes=minutes))
    assignment.refresh_from_db()
    return assignment_complete(assignment=assignment, by=coordinator, minutes_worked=minutes)


def html_of(response):
    return response.content.decode()


def search_url(q):
    return f"{reverse('coordinator_search')}?q={q}"


# --- Search -------------------------------------------------------------------------------------


def test_the_search_finds_teens_providers_and_jobs_of_her_exchange_in_three_sections(
    coordinator_client, coordinator, exchange, provider, lena
):
    make_job(provider, coordinator, title="Muster-Garten umgraben")
    make_teen(exchange, first_name="Paul")  # last name "Beispiel", but no "Muster"
    response = coordinator_client.get(search_url("Muster"))
    assert response.status_code == 200
    result = response.context["result"]
    assert ([p.first_name for p in result.providers.rows], [j.title for j in result.jobs.rows]) == (
        ["Hildegard"], ["Muster-Garten umgraben"])
    assert result.teens.rows == [] and result.total == 2
    html = html_of(response)
    assert "Auftraggeber/innen <span class=\"muted\">(1)</span>" in html
    assert "Keine Jugendlichen gefunden." in html


@pytest.mark.parametrize("query", ["lena@example", "0151 47", "52349", "Lena Beisp"])
def test_a_teen_is_found_by_name_email_phone_or_postcode(coordinator_client, lena, query):
    result = coordinator_client.get(search_url(query)).context["result"]
    assert lena in result.teens.rows


def test_a_job_is_found_by_its_number(coordinator_client, coordinator, provider):
    job = make_job(provider, coordinator)
    result = coordinator_client.get(search_url(f"%23{job.pk}")).context["result"]
    assert result.jobs.rows == [job]


def test_each_section_shows_at_most_20_and_says_how_many_there_are(coordinator_client, exchange):
    for n in range(22):
        make_teen(exchange, first_name=f"Mia{n}")
    response = coordinator_client.get(search_url("Mia"))
    result = response.context["result"]
    assert (len(result.teens.rows), result.teens.count) == (20, 22)
    assert "Die ersten 20 – bitte die Suche genauer fassen." in html_of(response)


@pytest.mark.parametrize("query, message", [("L", "Bitte mindestens 2 Zeichen eingeben."),
                                            ("", "Bitte einen Suchbegriff eingeben.")])
def test_a_too_short_query_gets_a_german_hint_and_no_search(coordinator_client, lena, query, message):
    response = coordinator_client.get(search_url(query))
    assert response.status_code == 200 and response.context["result"] is None
    assert message in html_of(response)
    assert not AuditEntry.objects.filter(action="marketplace.console.searched").exists()


def test_the_search_is_on_record_with_the_number_of_hits_but_never_the_query(coordinator_client, coordinator, lena):
    coordinator_client.get(search_url("Lena"))
    entry = AuditEntry.objects.get(action="marketplace.console.searched")
    assert entry.actor == coordinator and entry.data["hits"] == 1
    assert "Lena" not in str(entry.data)


def test_a_coordinator_of_another_exchange_finds_nothing_of_this_exchange(
    client, coordinator, other_exchange, provider, lena
):
    make_job(provider, coordinator, title="Laub rechen")
    client.force_login(make_coordinator(other_exchange))
    for query in ("Lena", "Hildegard", "Muster", "Laub", "52349", "example.org"):
        response = client.get(search_url(query))
        assert response.context["result"].total == 0, query
        html = html_of(response)
        assert reverse("coordinator_teen", args=[lena.pk]) not in html
        assert reverse("coordinator_provider", args=[provider.pk]) not in html


def test_the_search_form_is_on_the_list_pages(coordinator_client):
    html = html_of(coordinator_client.get(reverse("coordinator_teens")))
    assert f'action="{reverse("coordinator_search")}"' in html and 'role="search"' in html


# --- A teen's page -----------------------------------------------------------------------------


@pytest.fixture
def lena_history(exchange, coordinator, provider, lena):
    """Lena did one job for Hildegard (rated both ways, with a problem report) and has one ahead;
    Paul did a job too, which must not appear on Lena's page."""
    done = done_match(make_job(provider, coordinator, title="Rasen mähen"), lena, coordinator, minutes=90)
    feedback_give(assignment=done, by=provider.user, stars=5, comment="Sehr zuverlässig")
    feedback_give(assignment=done, by=lena.user, stars=4, comment="Nette Frau")
    incident_report(by=provider.user, assignment=done, text="Hat die Schere liegen lassen")
    ahead = assignment_create_direct(job=make_job(provider, coordinator, title="Hecke schneiden", weeks=1),
                                     teen=lena, by=coordinator)
    paul = make_teen(exchange, age=17, first_name="Paul")
    done_match(make_job(provider, coordinator, title="Fenster putzen"), paul, coordinator)
    return {"done": done, "ahead": ahead, "paul": paul}


def test_the_teen_page_shows_her_jobs_hours_ratings_incidents_and_notifications(
    coordinator_client, lena, lena_history
):
    response = coordinator_client.get(reverse("coordinator_teen", args=[lena.pk]))
    assert response.status_code == 200
    record = response.context["record"]
    assert [row["job"].title for row in record.assignments] == ["Hecke schneiden", "Rasen mähen"]
    assert (record.jobs_done, record.hours_done) == (1, Decimal("1.50"))
    assert [(r["feedback"].stars, r["feedback"].comment) for r in record.ratings_received] == [
        (5, "Sehr zuverlässig")]
    assert [(r["feedback"].stars, r["feedback"].comment) for r in record.ratings_given] == [(4, "Nette Frau")]
    assert [i.text for i in record.incidents] == ["Hat die Schere liegen lassen"]
    assert record.notifications and all(row["notification"].user_id == lena.user_id for row in record.notifications)
    html = html_of(response)
    assert "Fenster putzen" not in html  # Paul's job
    assert "Sehr zuverlässig" in html and "Hat die Schere liegen lassen" in html
    assert record.notifications[0]["kind"] in html
    assert "<strong>1,5</strong> Stunden" in html


def test_the_teen_page_needs_the_same_number_of_queries_however_long_her_history(
    coordinator_client, coordinator, provider, lena, django_assert_num_queries
):
    url = reverse("coordinator_teen", args=[lena.pk])
    done_match(make_job(provider, coordinator, title="Eins"), lena, coordinator)
    coordinator_client.get(url)  # warm up (session, content types)
    with django_assert_num_queries(20 + session_queries()) as first:
        coordinator_client.get(url)
    for title in ["Zwei", "Drei", "Vier"]:
        assignment = done_match(make_job(provider, coordinator, title=title), lena, coordinator)
        feedback_give(assignment=assignment, by=provider.user, stars=4)
        Incident.objects.create(exchange=lena.exchange, job=assignment.job, assignment=assignment,
                                reported_by=provider.user, text="Notiz")
    other = make_provider(lena.exchange, first_name="Gisela")
    blocked_pair_create(teen=lena, provider=other, by=coordinator, reason="x")
    with django_assert_num_queries(len(first.captured_queries)):
        coordinator_client.get(url)


# --- A provider's page -------------------------------------------------------------------------


def test_the_provider_page_shows_her_jobs_matches_ratings_incidents_and_notifications(
    coordinator_client, provider, lena, lena_history
):
    response = coordinator_client.get(reverse("coordinator_provider", args=[provider.pk]))
    assert response.status_code == 200
    record = response.context["record"]
    assert sorted(job.title for job in record.jobs) == ["Fenster putzen", "Hecke schneiden", "Rasen mähen"]
    assert sorted(row["job"].title for row in record.assignments) == [
        "Fenster putzen", "Hecke schneiden", "Rasen mähen"]
    assert record.jobs_done == 2
    assert [r["feedback"].comment for r in record.ratings_received] == ["Nette Frau"]
    assert [r["feedback"].comment for r in record.ratings_given] == ["Sehr zuverlässig"]
    assert [i.text for i in record.incidents] == ["Hat die Schere liegen lassen"]
    assert record.notifications and all(row["notification"].user_id == provider.user_id
                                        for row in record.notifications)
    html = html_of(response)
    assert "1 von 1" in html and "Paul" in html


def test_the_page_of_a_provider_without_account_shows_her_call_tasks(
    coordinator_client, coordinator, exchange, lena
):
    from marketplace.models import ProviderProfile

    erna = ProviderProfile.objects.create(
        exchange=exchange, first_name="Erna", last_name="Schulz", street="Am Markt 3", postcode_id="52349",
        city="Düren", phone="02422 5555", contact_preference="phone", private_person_confirmed=True,
        status=ProviderStatus.ACTIVE)
    assignment_create_direct(job=make_job(erna, coordinator), teen=lena, by=coordinator)
    record = coordinator_client.get(reverse("coordinator_provider", args=[erna.pk])).context["record"]
    assert [row["channel"] for row in record.notifications] == ["Anruf durch die Koordination"]


# --- Pause and suspend with upcoming matches ----------------------------------------------------


def test_suspending_a_teen_with_matches_ahead_asks_first_then_cancels_them_and_tells_both_sides(
    coordinator_client, coordinator, provider, lena
):
    job = make_job(provider, coordinator)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    url = reverse("coordinator_teen", args=[lena.pk])
    html = html_of(coordinator_client.get(url))
    assert "1 vereinbarter Einsatz steht noch bevor" in html and "Laub rechen" in html
    response = coordinator_client.post(url, {"decision": "suspend", "reason": "Beschwerde"})
    assert response.status_code == 200
    assert response.context["upcoming_form"].errors["upcoming"] == [
        "Bitte wählen, ob die Einsätze abgesagt werden."]
    lena.refresh_from_db()
    assert lena.status == TeenStatus.ACTIVE
    Notification.objects.all().delete()
    response = coordinator_client.post(url, {
        "decision": "suspend", "reason": "Beschwerde", "upcoming-upcoming": "cancel",
        "upcoming-cancel_reason": "Die Koordination musste den Einsatz leider absagen."})
    assert response.status_code == 302
    lena.refresh_from_db()
    match.refresh_from_db()
    assert lena.status == TeenStatus.SUSPENDED
    assert match.status == AssignmentStatus.CANCELLED
    assert match.status_reason == "Die Koordination musste den Einsatz leider absagen."  # not the internal reason
    assert Notification.objects.filter(kind="assignment.cancelled", user_id=lena.user_id).exists()
    assert Notification.objects.filter(kind="assignment.cancelled", user_id=provider.user_id).exists()
    assert "1 vereinbarte Einsätze sind abgesagt" in html_of(coordinator_client.get(url))


def test_a_teen_paused_with_matches_kept_keeps_them(coordinator_client, coordinator, provider, lena):
    match = assignment_create_direct(job=make_job(provider, coordinator), teen=lena, by=coordinator)
    response = coordinator_client.post(reverse("coordinator_teen", args=[lena.pk]), {
        "decision": "pause", "reason": "Prüfungszeit", "upcoming-upcoming": "keep"})
    assert response.status_code == 302
    lena.refresh_from_db()
    match.refresh_from_db()
    assert lena.status == TeenStatus.PAUSED and match.status == AssignmentStatus.CONFIRMED


def test_a_suspended_teen_is_reactivated_from_her_page(coordinator_client, exchange):
    teen = make_teen(exchange, age=19, status=TeenStatus.SUSPENDED, intake_on=timezone.localdate(),
                     status_reason="Beschwerde")
    response = coordinator_client.post(reverse("coordinator_teen", args=[teen.pk]), {"decision": "activate"})
    assert response.status_code == 302
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE


def test_suspending_a_provider_with_matches_ahead_can_cancel_them(coordinator_client, coordinator, provider, lena):
    match = assignment_create_direct(job=make_job(provider, coordinator), teen=lena, by=coordinator)
    url = reverse("coordinator_provider", args=[provider.pk])
    response = coordinator_client.post(url, {"decision": "suspend", "reason": "Gewerblich"})
    assert response.status_code == 200 and "upcoming" in response.context["upcoming_form"].errors
    response = coordinator_client.post(url, {"decision": "suspend", "reason": "Gewerblich",
                                             "upcoming-upcoming": "cancel", "upcoming-cancel_reason": "Abgesagt"})
    assert response.status_code == 302
    provider.refresh_from_db()
    match.refresh_from_db()
    assert provider.status == ProviderStatus.SUSPENDED and match.status == AssignmentStatus.CANCELLED


# --- Blocked pairs -----------------------------------------------------------------------------


def test_a_pair_is_blocked_from_the_teen_page_and_unblocked_again(coordinator_client, coordinator, provider, lena):
    done_match(make_job(provider, coordinator), lena, coordinator)
    url = reverse("coordinator_teen", args=[lena.pk])
    form = coordinator_client.get(url).context["block_form"]
    assert form.fields["provider"].choices[1] == ("Schon für sie oder ihn gearbeitet",
                                                  [(str(provider.pk), "Muster, Hildegard – 52349 Düren")])
    response = coordinator_client.post(reverse("coordinator_teen_block", args=[lena.pk]),
                                       {"provider": provider.pk, "reason": ""})
    assert response.status_code == 200
    assert response.context["block_form"].errors["reason"] == ["Bitte eine Begründung angeben."]
    response = coordinator_client.post(reverse("coordinator_teen_block", args=[lena.pk]),
                                       {"provider": provider.pk, "reason": "Streit"})
    assert response.status_code == 302 and response["Location"] == url
    pair = BlockedPair.objects.get()
    assert (pair.teen, pair.provider, pair.reason, pair.created_by) == (lena, provider, "Streit", coordinator)
    html = html_of(coordinator_client.get(url))
    assert "werden nicht mehr zusammen vermittelt" in html and "Sperre aufheben" in html
    response = coordinator_client.post(reverse("coordinator_block_delete", args=[pair.pk]), {"back": "teen"})
    assert response.status_code == 302 and response["Location"] == url
    assert not BlockedPair.objects.exists()


def test_a_pair_is_blocked_from_the_provider_page(coordinator_client, provider, lena):
    url = reverse("coordinator_provider", args=[provider.pk])
    response = coordinator_client.post(reverse("coordinator_provider_block", args=[provider.pk]),
                                       {"teen": lena.pk, "reason": "Wunsch der Auftraggeberin"})
    assert response.status_code == 302 and response["Location"] == url
    assert BlockedPair.objects.filter(teen=lena, provider=provider).exists()
    assert "Lena Beispiel" in html_of(coordinator_client.get(url))


# --- Cancel and reassign on the job page --------------------------------------------------------


def test_the_job_page_offers_cancel_and_reassign_for_a_confirmed_match(
    coordinator_client, coordinator, exchange, provider, lena
):
    job = make_job(provider, coordinator)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    html = html_of(coordinator_client.get(reverse("coordinator_job", args=[job.pk])))
    assert reverse("coordinator_assignment_cancel", args=[match.pk]) in html
    assert reverse("coordinator_assignment_reassign", args=[match.pk]) in html
    assert f'<option value="{jonas.pk}">Jonas Beispiel (17)</option>' in html
    assert f'<option value="{lena.pk}">' not in html


def test_a_coordinator_reassigns_a_match_on_the_job_page(coordinator_client, coordinator, exchange, provider, lena):
    job = make_job(provider, coordinator)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    response = coordinator_client.post(reverse("coordinator_assignment_reassign", args=[match.pk]),
                                       {"teen": jonas.pk, "reason": "Lena ist krank"}, follow=True)
    assert "„Laub rechen“ ist neu vermittelt: Jonas statt Lena" in html_of(response)
    assert Assignment.objects.get(status=AssignmentStatus.CONFIRMED).teen == jonas
    assert AuditEntry.objects.filter(action="marketplace.assignment.reassigned").exists()


def test_reassigning_to_a_teen_who_may_not_shows_the_reasons_next_to_the_field(
    coordinator_client, coordinator, exchange, provider, lena
):
    job = make_job(provider, coordinator)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    fern = make_teen(exchange, age=16, first_name="Fern", postcode="52428")
    response = coordinator_client.post(reverse("coordinator_assignment_reassign", args=[match.pk]),
                                       {"teen": fern.pk, "reason": "Tausch"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Fern kann nicht vermittelt werden:" in html and f'id="id_reassign{match.pk}_teen_error"' in html
    match.refresh_from_db()
    assert match.status == AssignmentStatus.CONFIRMED


def test_a_coordinator_cancels_a_match_with_a_reason_on_the_job_page(coordinator_client, coordinator, provider, lena):
    job = make_job(provider, coordinator)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    url = reverse("coordinator_assignment_cancel", args=[match.pk])
    response = coordinator_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert f'id="id_cancel{match.pk}_reason_error"' in html_of(response)
    Notification.objects.all().delete()
    response = coordinator_client.post(url, {"reason": "Unwetter"}, follow=True)
    assert "Der Einsatz von Lena ist abgesagt." in html_of(response)
    match.refresh_from_db()
    job.refresh_from_db()
    assert match.status == AssignmentStatus.CANCELLED and job.status == JobStatus.OPEN
    assert Notification.objects.filter(kind="assignment.cancelled", user_id=lena.user_id).exists()
    assert Notification.objects.filter(kind="assignment.cancelled", user_id=provider.user_id).exists()


# --- Permissions -------------------------------------------------------------------------------


@pytest.fixture
def world(coordinator, exchange, provider, lena):
    match = assignment_create_direct(job=make_job(provider, coordinator), teen=lena, by=coordinator)
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    pair = blocked_pair_create(teen=jonas, provider=provider, by=coordinator, reason="x")
    return {"match": match, "jonas": jonas, "pair": pair}


def new_requests(world, provider, lena):
    match, jonas, pair = world["match"], world["jonas"], world["pair"]
    return [
        ("get", search_url("Lena"), {}),
        ("post", reverse("coordinator_teen_block", args=[lena.pk]), {"provider": provider.pk, "reason": "x"}),
        ("post", reverse("coordinator_provider_block", args=[provider.pk]), {"teen": lena.pk, "reason": "x"}),
        ("post", reverse("coordinator_block_delete", args=[pair.pk]), {}),
        ("post", reverse("coordinator_assignment_cancel", args=[match.pk]), {"reason": "x"}),
        ("post", reverse("coordinator_assignment_reassign", args=[match.pk]), {"teen": jonas.pk, "reason": "x"}),
    ]


def assert_nothing_changed(world):
    assert BlockedPair.objects.count() == 1
    world["match"].refresh_from_db()
    assert world["match"].status == AssignmentStatus.CONFIRMED


@pytest.mark.parametrize("persona", ["teen", "provider"])
def test_teens_and_providers_get_403_on_every_new_page(client, world, provider, lena, persona):
    client.force_login(lena.user if persona == "teen" else provider.user)
    for method, url, data in new_requests(world, provider, lena):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert_nothing_changed(world)


def test_a_coordinator_of_another_exchange_gets_404_for_every_object_here(
    client, world, other_exchange, provider, lena
):
    client.force_login(make_coordinator(other_exchange))
    for method, url, data in new_requests(world, provider, lena)[1:]:
        assert getattr(client, method)(url, data).status_code == 404, url
    assert_nothing_changed(world)


def test_the_actions_refuse_get(coordinator_client, world, provider, lena):
    for _method, url, _data in new_requests(world, provider, lena)[1:]:
        assert coordinator_client.get(url).status_code == 405, url


def test_a_teen_of_another_exchange_cannot_be_blocked_or_assigned_here(
    coordinator_client, world, other_exchange, provider, lena
):
    olga = make_teen(other_exchange, postcode="52062", first_name="Olga")
    response = coordinator_client.post(reverse("coordinator_provider_block", args=[provider.pk]),
                                       {"teen": olga.pk, "reason": "x"})
    assert response.context["block_form"].errors["teen"] == ["Bitte eine Person aus der Liste wählen."]
    response = coordinator_client.post(reverse("coordinator_assignment_reassign", args=[world["match"].pk]),
                                       {"teen": olga.pk, "reason": "x"})
    assert response.status_code == 404
    assert_nothing_changed(world)


def test_ratings_from_feedback_rows_are_shown_with_stars(coordinator_client, coordinator, provider, lena):
    done = done_match(make_job(provider, coordinator), lena, coordinator)
    Feedback.objects.create(assignment=done, author=FeedbackAuthor.PROVIDER, stars=2, comment="Zu spät")
    html = html_of(coordinator_client.get(reverse("coordinator_teen", args=[lena.pk])))
    assert "★★☆☆☆" in html and "2 Sterne" in html and "Zu spät" in html
