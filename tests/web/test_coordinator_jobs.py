"""The coordinator's job pages: review, a job entered after a phone call, candidates and "why
not", direct assignment and the batch proposal. Personas: the coordinator of the exchange, a
coordinator of another exchange (404, empty lists), a teen and a provider (403)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AvailabilitySlot,
    Job,
    JobStatus,
    ProviderStatus,
)
from marketplace.services.jobs import application_create, job_create
from matching.calendar import Calendar
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NW = Calendar(state="NW")


def next_saturday(hour, minute=0, weeks=0):
    """A Saturday ahead that is no public holiday and no 24/31 December (minors may not work
    then, § 18 JArbSchG), so that the tests pass on every date of the year."""
    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    while any(NW.public_holiday(d) or (d.month, d.day) in {(12, 24), (12, 31)}
              for d in (day, day + timedelta(weeks=1), day + timedelta(weeks=2))):
        day += timedelta(weeks=1)
    return datetime.combine(day + timedelta(weeks=weeks), time(hour, minute), tzinfo=BERLIN)


def job_data(**overrides):
    data = {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            "starts_at": next_saturday(11), "ends_at": next_saturday(12, 30),
            "hourly_rate": Decimal("8.00"), "helpers_needed": 1}
    data.update(overrides)
    return data


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def provider(exchange):
    return make_provider(exchange, first_name="Hildegard")


def posted_job(provider, **overrides):
    """A job the provider posted herself: it waits for review (the policy's default)."""
    return job_create(provider=provider, by=provider.user, data=job_data(**overrides))


def open_job(provider, coordinator, **overrides):
    return job_create(provider=provider, by=coordinator, data=job_data(**overrides))


def job_url(job, name="coordinator_job"):
    return reverse(name, args=[job.pk])


def html_of(response):
    return response.content.decode()


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_jobs_in_review_first_then_open_ones_oldest_first(
    coordinator_client, coordinator, provider
):
    open_job(provider, coordinator, title="Hund ausführen", category="pets")
    posted_job(provider, title="Einkauf")
    older = posted_job(provider, title="Rasen mähen")
    Job.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    cancelled = posted_job(provider, title="Abgesagt")
    Job.objects.filter(pk=cancelled.pk).update(status=JobStatus.CANCELLED)
    response = coordinator_client.get(reverse("coordinator_jobs"))
    assert response.status_code == 200
    assert [j.title for j in response.context["page"].object_list] == ["Rasen mähen", "Einkauf", "Hund ausführen"]
    html = html_of(response)
    assert "Hildegard Muster" in html and "52349 Düren" in html and "0 / 1" in html
    assert "Wird geprüft" in html and "Offen" in html
    assert '<th scope="col">Auftraggeber/in</th>' in html


def test_the_list_filters_by_status_category_and_date(coordinator_client, coordinator, provider):
    open_job(provider, coordinator, title="Garten jetzt")
    open_job(provider, coordinator, title="Garten später", starts_at=next_saturday(11, weeks=2),
             ends_at=next_saturday(12, weeks=2))
    posted_job(provider, title="Einkauf", category="shopping")
    url = reverse("coordinator_jobs")

    def titles(**params):
        return sorted(j.title for j in coordinator_client.get(url, params).context["page"].object_list)

    assert titles(status="review") == ["Einkauf"]
    assert titles(category="garden") == ["Garten jetzt", "Garten später"]
    later = (next_saturday(11, weeks=1)).date().isoformat()
    assert titles(date_from=later) == ["Garten später"]
    assert titles(date_to=next_saturday(11).date().isoformat()) == ["Einkauf", "Garten jetzt"]
    # Nonsense filters fall back to the default instead of failing.
    assert titles(status="<script>", date_from="gestern") == ["Einkauf", "Garten jetzt", "Garten später"]


def test_the_list_needs_the_same_number_of_queries_for_many_jobs(
    coordinator_client, coordinator, provider, django_assert_max_num_queries
):
    for _ in range(2):
        open_job(provider, coordinator)
    with django_assert_max_num_queries(15) as few:
        coordinator_client.get(reverse("coordinator_jobs"))
    for _ in range(12):
        open_job(provider, coordinator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_client.get(reverse("coordinator_jobs"))
    assert len(response.context["page"].object_list) == 14


def test_the_overview_counts_jobs_in_review_and_open_ones(coordinator_client, coordinator, provider):
    posted_job(provider)
    posted_job(provider)
    open_job(provider, coordinator)
    response = coordinator_client.get(reverse("coordinator_home"))
    assert response.context["job_counts"] == {"review": 2, "open": 1}
    html = html_of(response)
    assert "2 Aufträge warten auf Prüfung" in html and "1 offener Auftrag sucht Helfer" in html
    assert reverse("coordinator_proposal") in html and reverse("coordinator_job_new") in html


# --- Review --------------------------------------------------------------------------------


def test_a_coordinator_approves_a_job_in_review(coordinator_client, coordinator, provider):
    job = posted_job(provider)
    html = html_of(coordinator_client.get(job_url(job)))
    assert job_url(job, "coordinator_job_approve") in html and job_url(job, "coordinator_job_reject") in html
    response = coordinator_client.post(job_url(job, "coordinator_job_approve"))
    assert response.status_code == 302 and response["Location"] == job_url(job)
    job.refresh_from_db()
    assert (job.status, job.reviewed_by) == (JobStatus.OPEN, coordinator)
    assert AuditEntry.objects.filter(action="marketplace.job.approved", target_id=job.pk).exists()
    assert "ist freigegeben" in html_of(coordinator_client.get(response["Location"]))
    # A second approval is refused politely, not with an error page.
    response = coordinator_client.post(job_url(job, "coordinator_job_approve"), follow=True)
    assert "Nur Aufträge in Prüfung können freigegeben werden." in html_of(response)


def test_rejecting_needs_a_reason(coordinator_client, provider):
    job = posted_job(provider)
    response = coordinator_client.post(job_url(job, "coordinator_job_reject"), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["reject_form"].errors["reason"] == ["Bitte eine Begründung angeben."]
    assert 'id="id_reject_reason_error"' in html_of(response)
    job.refresh_from_db()
    assert job.status == JobStatus.REVIEW
    response = coordinator_client.post(job_url(job, "coordinator_job_reject"),
                                       {"reason": "Gewerbliche Arbeit"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.status_reason) == (JobStatus.REJECTED, "Gewerbliche Arbeit")


def test_a_coordinator_cancels_a_job_with_a_reason(coordinator_client, coordinator, provider):
    job = open_job(provider, coordinator)
    response = coordinator_client.post(job_url(job), {"action": "cancel", "reason": ""})
    assert response.context["cancel_form"].errors["reason"] == ["Bitte eine Begründung angeben."]
    response = coordinator_client.post(job_url(job), {"action": "cancel", "reason": "Frau Muster ist im Krankenhaus"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.status_reason) == (JobStatus.CANCELLED, "Frau Muster ist im Krankenhaus")


# --- A job after a phone call --------------------------------------------------------------


def new_job_post(provider, **overrides):
    day = next_saturday(11).date().isoformat()
    data = {"provider": provider.pk, "category": "garden", "title": "Hecke fegen", "description": "",
            "schedule": "fixed", "day": day, "start_time": "11:00", "end_time": "12:30",
            "window_start": "", "window_end": "", "duration_minutes": "", "helpers_needed": "1",
            "pay": "hourly", "hourly_rate": "8,50", "fixed_amount": "", "street": "", "postcode": "",
            "radius_km": ""}
    data.update(overrides)
    return data


def test_a_coordinator_enters_a_job_for_a_provider_and_it_is_published_without_review(
    coordinator_client, coordinator, provider
):
    assert provider.exchange.policy.job_approval_required
    html = html_of(coordinator_client.get(reverse("coordinator_job_new")))
    assert "Muster, Hildegard – 52349 Düren" in html
    assert '<label for="id_provider">' in html
    response = coordinator_client.post(reverse("coordinator_job_new"), new_job_post(provider))
    job = Job.objects.get(title="Hecke fegen")
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert (job.status, job.provider, job.created_by, job.reviewed_by) == (
        JobStatus.OPEN, provider, coordinator, coordinator)
    assert job.street == "Kölnstraße 1" and job.hourly_rate == Decimal("8.50")
    assert timezone.localtime(job.starts_at).time() == time(11)
    assert "ist angelegt und veröffentlicht" in html_of(coordinator_client.get(response["Location"]))


def test_a_window_job_with_a_fixed_amount_and_another_address(coordinator_client, provider):
    first = next_saturday(9).date()
    response = coordinator_client.post(reverse("coordinator_job_new"), new_job_post(
        provider, schedule="window", day="", start_time="", end_time="",
        window_start=first.isoformat(), window_end=(first + timedelta(days=6)).isoformat(),
        duration_minutes="90", pay="fixed", hourly_rate="", fixed_amount="15,00",
        street="Am Markt 3", postcode="52372"))
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.window_start, job.duration_minutes, job.fixed_amount, job.hourly_rate) == (
        first, 90, Decimal("15.00"), None)
    assert (job.street, job.postcode_id, job.starts_at) == ("Am Markt 3", "52372", None)


def test_the_service_s_errors_appear_next_to_the_fields(coordinator_client, provider):
    response = coordinator_client.post(reverse("coordinator_job_new"), new_job_post(
        provider, hourly_rate="3,00", end_time="10:00"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["hourly_rate"][0].startswith("Der Stundensatz muss mindestens 5,00 €")
    assert errors["end_time"] == ["Das Ende muss nach dem Beginn liegen."]
    assert not Job.objects.exists()
    response = coordinator_client.post(reverse("coordinator_job_new"), new_job_post(
        provider, day="", pay="fixed", hourly_rate=""))
    assert response.context["form"].errors["day"] == ["Bitte das Datum angeben."]
    assert response.context["form"].errors["fixed_amount"] == ["Bitte den Festbetrag angeben."]


def test_the_provider_search_narrows_the_choice(coordinator_client, exchange, provider):
    make_provider(exchange, first_name="Gertrud", postcode="52372")
    make_provider(exchange, first_name="Pending", status=ProviderStatus.PENDING)
    response = coordinator_client.get(reverse("coordinator_job_new"))
    assert [p.first_name for p in response.context["form"].fields["provider"].queryset] == ["Gertrud", "Hildegard"]
    response = coordinator_client.get(reverse("coordinator_job_new"), {"suche": "5237"})
    form = response.context["form"]
    assert [p.first_name for p in form.fields["provider"].queryset] == ["Gertrud"]
    assert form.initial["provider"] == form.fields["provider"].queryset.get().pk


# --- A job's page: data, candidates, why not -----------------------------------------------


def test_the_job_page_shows_the_exact_address_contact_data_and_applicants_and_logs_the_view(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator, helpers_needed=2)
    lena = make_teen(exchange, age=15, first_name="Lena", phone="0151 111")
    application_create(job=job, teen=lena, message="Ich helfe gern")
    response = coordinator_client.get(job_url(job))
    html = html_of(response)
    assert "Kölnstraße 1" in html and "02421 123456" in html
    assert "Lena Beispiel" in html and "Ich helfe gern" in html
    entry = AuditEntry.objects.get(action="marketplace.job.viewed")
    assert (entry.actor, entry.target_id, entry.exchange_id) == (coordinator, job.pk, exchange.pk)
    assert entry.data["applicants"] == [lena.pk]


def test_the_candidate_list_shows_an_eligible_teen_and_not_a_too_far_or_too_young_one(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena")
    make_teen(exchange, age=16, first_name="Fern", postcode="52428")  # Jülich: 15 km, radius 5
    make_teen(exchange, age=13, first_name="Klein")  # below the exchange's minimum age
    make_teen(exchange, age=16, first_name="Pausiert", status="paused")
    response = coordinator_client.get(job_url(job))
    assert [c["teen"].first_name for c in response.context["candidates"]] == ["Lena"]
    html = html_of(response)
    assert "Direkt vermitteln" in html and f'name="teen" value="{lena.pk}"' in html
    assert "Fern" not in html and "Klein" not in html
    assert '<th scope="col">Entfernung</th>' in html and '<th scope="col">Punkte</th>' in html
    assert AuditEntry.objects.get(action="marketplace.job.viewed").data["candidates"] == [lena.pk]


def test_why_not_lists_every_reason_for_a_14_year_old_and_an_evening_job(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator, starts_at=next_saturday(18), ends_at=next_saturday(19))
    mia = make_teen(exchange, age=14, first_name="Mia", postcode="52428")
    AvailabilitySlot.objects.create(teen=mia, weekday=5, start=time(17), end=time(20))
    response = coordinator_client.get(job_url(job), {"wer": "Mia"})
    assert response.status_code == 200
    why_not = response.context["why_not"]
    assert why_not["teen"] == mia and not why_not["verdict"].eligible
    codes = {r.code for r in why_not["verdict"].reasons}
    assert {"outside_allowed_hours", "too_far_for_teen"} <= codes
    html = html_of(response)
    assert "Mia kann diesen Auftrag nicht übernehmen. Die Gründe:" in html
    assert "Nach 18 Uhr nicht erlaubt für unter 15-Jährige" in html
    assert '<label for="id_whynot_wer">' in html
    entry = AuditEntry.objects.get(action="marketplace.teen.viewed")
    assert (entry.target_id, entry.subject_user_id, entry.data) == (
        mia.pk, mia.user_id, {"job_id": job.pk, "view": "why_not"})


def test_why_not_says_yes_for_an_eligible_teen_and_offers_a_choice_for_a_common_name(
    coordinator_client, coordinator, exchange, other_exchange, provider
):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena")
    second = make_teen(exchange, age=17, first_name="Lenara")
    make_teen(other_exchange, age=16, first_name="Lenchen", postcode="52062")
    response = coordinator_client.get(job_url(job), {"wer": "len"})
    assert sorted(t.first_name for t in response.context["why_not"]["matches"]) == ["Lena", "Lenara"]
    assert f"?teen={second.pk}" in html_of(response)
    response = coordinator_client.get(job_url(job), {"teen": lena.pk})
    assert response.context["why_not"]["verdict"].eligible
    assert "Lena darf und kann diesen Auftrag übernehmen." in html_of(response)


def test_why_not_never_reveals_a_teen_of_another_exchange(coordinator_client, coordinator, other_exchange, provider):
    job = open_job(provider, coordinator)
    olga = make_teen(other_exchange, age=16, first_name="Olga", postcode="52062")
    response = coordinator_client.get(job_url(job), {"teen": olga.pk})
    assert response.context["why_not"]["teen"] is None
    assert "Olga" not in html_of(response)
    response = coordinator_client.get(job_url(job), {"wer": "Olga"})
    assert response.context["why_not"]["matches"] == []
    assert not AuditEntry.objects.filter(action="marketplace.teen.viewed").exists()


def test_why_not_answers_an_htmx_request_with_the_answer_only(coordinator_client, coordinator, exchange, provider):
    job = open_job(provider, coordinator)
    make_teen(exchange, age=15, first_name="Lena")
    response = coordinator_client.get(job_url(job), {"wer": "Lena"}, headers={"HX-Request": "true"})
    html = html_of(response)
    assert "Lena darf und kann diesen Auftrag übernehmen." in html
    assert "<html" not in html and "Passende Jugendliche" not in html
    assert "HX-Request" in response["Vary"]
    assert not AuditEntry.objects.filter(action="marketplace.job.viewed").exists()


# --- Direct assignment ---------------------------------------------------------------------


def test_direct_assignment_creates_the_assignment_and_fills_the_job(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena", phone="0151 111")
    response = coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": lena.pk})
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assignment = Assignment.objects.get()
    assert (assignment.job, assignment.teen, assignment.created_by) == (job, lena, coordinator)
    job.refresh_from_db()
    assert (job.status, job.helpers_accepted) == (JobStatus.FILLED, 1)
    html = html_of(coordinator_client.get(response["Location"]))
    assert "Lena ist für „Laub rechen“" in html
    assert "0151 111" in html and "eltern@example.org" in html  # both sides' contact data
    assert "Direkt vermitteln" not in html  # no place left


def test_a_pending_application_is_accepted_by_a_direct_assignment(coordinator_client, coordinator, exchange, provider):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena")
    application = application_create(job=job, teen=lena)
    assert "hat sich beworben" in html_of(coordinator_client.get(job_url(job)))
    coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": lena.pk})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED


def test_direct_assignment_of_a_teen_who_may_not_is_refused_with_the_reasons(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator)
    fern = make_teen(exchange, age=16, first_name="Fern", postcode="52428")
    response = coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": fern.pk}, follow=True)
    assert "Fern kann nicht vermittelt werden:" in html_of(response)
    assert not Assignment.objects.exists()
    response = coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": "x"}, follow=True)
    assert "Bitte eine Person aus der Liste wählen." in html_of(response)


def test_a_full_job_refuses_a_second_direct_assignment(coordinator_client, coordinator, exchange, provider):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena")
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": lena.pk})
    response = coordinator_client.post(job_url(job, "coordinator_job_assign"), {"teen": jonas.pk}, follow=True)
    assert "Für diesen Auftrag ist kein Platz mehr frei." in html_of(response)
    assert Assignment.objects.count() == 1


# --- The batch proposal --------------------------------------------------------------------


def checkbox_values(html):
    return [t["value"] for t in tags(html, "input") if t.get("name") == "pair"]


def test_the_proposal_shows_pairs_by_job_and_confirming_creates_the_assignments(
    coordinator_client, coordinator, exchange, provider
):
    morning = open_job(provider, coordinator, title="Laub rechen")
    afternoon = open_job(provider, coordinator, title="Einkauf", category="shopping",
                         starts_at=next_saturday(14), ends_at=next_saturday(15))
    lena = make_teen(exchange, age=15, first_name="Lena")
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    response = coordinator_client.get(reverse("coordinator_proposal"))
    assert response.status_code == 200
    proposal = response.context["proposal"]
    assert (proposal.filled, proposal.places_open) == (2, 2)
    html = html_of(response)
    assert "2 von 2 Plätzen besetzt" in html and "Optimal:" in html and "Verfahren:" in html
    assert [g["job"].title for g in response.context["groups"]] == ["Laub rechen", "Einkauf"]
    values = checkbox_values(html)
    assert len(values) == 2 and all(v.split(":")[1] in {str(lena.pk), str(jonas.pk)} for v in values)
    assert AuditEntry.objects.filter(action="marketplace.proposal.viewed").exists()

    response = coordinator_client.post(reverse("coordinator_proposal"), {"pair": values}, follow=True)
    assert Assignment.objects.count() == 2
    assert {a.job_id for a in Assignment.objects.all()} == {morning.pk, afternoon.pk}
    assert "Vermittelt (2):" in html_of(response)
    morning.refresh_from_db()
    assert morning.status == JobStatus.FILLED


def test_an_unticked_pair_is_not_assigned_and_a_stale_one_is_reported(
    coordinator_client, coordinator, exchange, provider
):
    job = open_job(provider, coordinator, helpers_needed=2)
    lena = make_teen(exchange, age=15, first_name="Lena")
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    values = checkbox_values(html_of(coordinator_client.get(reverse("coordinator_proposal"))))
    assert sorted(values) == sorted([f"{job.pk}:{lena.pk}", f"{job.pk}:{jonas.pk}"])
    coordinator_client.post(reverse("coordinator_proposal"), {"pair": [f"{job.pk}:{lena.pk}", "kaputt"]})
    assert [a.teen for a in Assignment.objects.all()] == [lena]
    response = coordinator_client.post(reverse("coordinator_proposal"), {"pair": [f"{job.pk}:{lena.pk}"]},
                                       follow=True)
    assert "Nicht vermittelt: Lena → Laub rechen: Diese Person ist für den Auftrag schon vermittelt." in \
        html_of(response)
    response = coordinator_client.post(reverse("coordinator_proposal"), {}, follow=True)
    assert "Sie haben kein Paar ausgewählt" in html_of(response)


def test_the_proposal_can_be_limited_to_a_date_range(coordinator_client, coordinator, exchange, provider):
    open_job(provider, coordinator, title="Bald")
    open_job(provider, coordinator, title="Später", starts_at=next_saturday(11, weeks=2),
             ends_at=next_saturday(12, weeks=2))
    make_teen(exchange, age=15, first_name="Lena")
    day = next_saturday(11).date().isoformat()
    response = coordinator_client.get(reverse("coordinator_proposal"), {"date_from": day, "date_to": day})
    assert [g["job"].title for g in response.context["groups"]] == ["Bald"]
    assert f'name="date_from" value="{day}"' in html_of(response)  # kept for the confirmation


def test_a_coordinator_of_several_exchanges_chooses_the_exchange(client, coordinator, exchange, other_exchange,
                                                                 provider):
    open_job(provider, coordinator, title="Kreis")
    both = make_coordinator(exchange, other_exchange)
    client.force_login(both)
    aachen = make_provider(other_exchange, first_name="Agnes", postcode="52062")
    open_job(aachen, both, title="Aachen")
    response = client.get(reverse("coordinator_proposal"), {"exchange": other_exchange.pk})
    assert 'name="exchange"' in html_of(response)
    assert [g["job"].title for g in response.context["groups"]] == ["Aachen"]


# --- Permissions ---------------------------------------------------------------------------


def job_page_urls(job):
    return [job_url(job), f"{job_url(job)}?wer=Lena", f"{job_url(job)}?teen=1"]


def job_post_urls(job, teen):
    return [(job_url(job, "coordinator_job_approve"), {}),
            (job_url(job, "coordinator_job_reject"), {"reason": "Nein"}),
            (job_url(job, "coordinator_job_assign"), {"teen": teen.pk}),
            (job_url(job), {"action": "cancel", "reason": "Nein"})]


def test_a_coordinator_of_another_exchange_gets_404_and_sees_none_of_these_jobs(
    client, coordinator, exchange, other_exchange, provider
):
    in_review = posted_job(provider, title="Geheimer Prüfauftrag")
    opened = open_job(provider, coordinator, title="Geheimer offener Auftrag")
    lena = make_teen(exchange, age=15, first_name="Lena")
    client.force_login(make_coordinator(other_exchange))
    for job in (in_review, opened):
        for url in job_page_urls(job):
            assert client.get(url).status_code == 404, url
        for url, data in job_post_urls(job, lena):
            assert client.post(url, data).status_code == 404, url
    for url in (reverse("coordinator_home"), f"{reverse('coordinator_jobs')}?status=all",
                reverse("coordinator_proposal"), f"{reverse('coordinator_proposal')}?exchange={exchange.pk}",
                reverse("coordinator_job_new")):
        html = html_of(client.get(url))
        assert "Geheim" not in html and "Hildegard" not in html and "Lena" not in html, url
    assert client.get(reverse("coordinator_home")).context["job_counts"] == {"review": 0, "open": 0}
    # Nor can she enter a job for this exchange's provider or confirm a pair of it.
    response = client.post(reverse("coordinator_job_new"), new_job_post(provider))
    assert "provider" in response.context["form"].errors
    client.post(reverse("coordinator_proposal"), {"pair": [f"{opened.pk}:{lena.pk}"]})
    in_review.refresh_from_db()
    opened.refresh_from_db()
    assert (in_review.status, opened.status) == (JobStatus.REVIEW, JobStatus.OPEN)
    assert Job.objects.count() == 2 and not Assignment.objects.exists()
    assert not AuditEntry.objects.filter(action__endswith=".viewed").exists()


@pytest.mark.parametrize("persona", ["teen", "provider"])
def test_teens_and_providers_get_403_on_every_page(client, coordinator, exchange, provider, persona):
    job = open_job(provider, coordinator)
    lena = make_teen(exchange, age=15, first_name="Lena")
    client.force_login(lena.user if persona == "teen" else provider.user)
    for url in (reverse("coordinator_jobs"), reverse("coordinator_job_new"), reverse("coordinator_proposal"),
                *job_page_urls(job)):
        assert client.get(url).status_code == 403, url
    for url, data in [*job_post_urls(job, lena), (reverse("coordinator_job_new"), new_job_post(provider)),
                      (reverse("coordinator_proposal"), {"pair": [f"{job.pk}:{lena.pk}"]})]:
        assert client.post(url, data).status_code == 403, url
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN and Job.objects.count() == 1 and not Assignment.objects.exists()
    assert not Application.objects.exists()


def test_a_visitor_is_sent_to_the_login(client, coordinator, provider):
    job = open_job(provider, coordinator)
    for url in (reverse("coordinator_jobs"), reverse("coordinator_job_new"), reverse("coordinator_proposal"),
                job_url(job)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url


def test_the_actions_refuse_get(coordinator_client, coordinator, provider):
    job = posted_job(provider)
    for name in ("coordinator_job_approve", "coordinator_job_reject", "coordinator_job_assign"):
        assert coordinator_client.get(job_url(job, name)).status_code == 405
    job.refresh_from_db()
    assert job.status == JobStatus.REVIEW
