"""After the match, on the web: confirm the hours, "nicht erschienen", cancel, rate, report a
problem, ask for the same helper again. Personas: the provider, the teen who got the job, a
coordinator of the exchange; and, who must get 404: another provider, a teen who applied and
did not get the job, a coordinator of another exchange."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import (
    Assignment,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Incident,
    Job,
    JobStatus,
)
from marketplace.services.jobs import application_accept, application_create, job_create
from tests.factories import make_coordinator, make_provider, make_teen

from .test_provider_jobs import assert_accessible, at, job_data, next_saturday

pytestmark = pytest.mark.django_db

ACTIONS = ("assignment_complete", "assignment_no_show", "assignment_cancel", "assignment_feedback",
           "assignment_incident", "assignment_request_again")


@pytest.fixture
def world(exchange):
    provider = make_provider(exchange)
    coordinator = make_coordinator(exchange)
    lena = make_teen(exchange, age=15, first_name="Lena")
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    job = job_create(provider=provider, by=coordinator, data=job_data())
    application_create(job=job, teen=jonas)
    assignment = application_accept(application=application_create(job=job, teen=lena), by=provider.user)
    return {"provider": provider, "coordinator": coordinator, "lena": lena, "jonas": jonas, "job": job,
            "assignment": assignment}


@pytest.fixture
def assignment(world):
    return world["assignment"]


def started(assignment: Assignment) -> Assignment:
    """Move the match into the past: it took place two hours ago."""
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(starts_at=now - timedelta(hours=2),
                                                       ends_at=now - timedelta(minutes=30))
    assignment.refresh_from_db()
    return assignment


def done(assignment: Assignment, client) -> Assignment:
    started(assignment)
    client.post(url("assignment_complete", assignment), {"minutes_worked": "90", "amount_paid": "12,00"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    return assignment


def url(name, assignment):
    return reverse(name, args=[assignment.pk])


def job_page(assignment):
    return reverse("provider_job", args=[assignment.job_id])


@pytest.fixture
def provider_client(client, world):
    client.force_login(world["provider"].user)
    return client


# --- the provider -----------------------------------------------------------------------------


def test_the_provider_confirms_hours_and_cash(provider_client, assignment):
    started(assignment)
    response = provider_client.get(url("assignment_complete", assignment))
    html = response.content.decode()
    assert response.status_code == 200 and 'class="provider"' in html
    # Prefilled with what was agreed: 1 h 30 min at 8 €.
    assert '<option value="90" selected>1 Stunde 30 Minuten</option>' in html
    assert 'value="12,00"' in html
    assert_accessible(html)

    response = provider_client.post(url("assignment_complete", assignment),
                                    {"minutes_worked": "60", "amount_paid": "10,50"})
    assert response.status_code == 302 and response["Location"] == job_page(assignment)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.minutes_worked, assignment.amount_paid) == (
        AssignmentStatus.DONE, 60, Decimal("10.50"))
    assert Job.objects.get(pk=assignment.job_id).status == JobStatus.DONE
    html = provider_client.get(job_page(assignment)).content.decode()
    assert "1 Stunde" in html and "10,50 € bar bezahlt" in html and "Lena bewerten" in html


def test_confirming_before_the_start_is_not_possible(provider_client, assignment):
    html = provider_client.get(job_page(assignment)).content.decode()
    assert "Erledigt – Stunden bestätigen" not in html and "Nicht erschienen" not in html
    response = provider_client.get(url("assignment_complete", assignment), follow=True)
    assert "Das geht erst, wenn der Einsatz begonnen hat." in response.content.decode()
    response = provider_client.post(url("assignment_complete", assignment), {"minutes_worked": "90"}, follow=True)
    assert "Der Einsatz hat noch nicht begonnen." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFIRMED


def test_bad_hours_are_shown_next_to_the_field(provider_client, assignment):
    started(assignment)
    response = provider_client.post(url("assignment_complete", assignment),
                                    {"minutes_worked": "7", "amount_paid": "zehn"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["minutes_worked"] == ["Bitte eine Zeit aus der Liste wählen."]
    assert errors["amount_paid"] == ["Bitte einen Betrag wie 8,50 angeben."]
    response = provider_client.post(url("assignment_complete", assignment),
                                    {"minutes_worked": "60", "amount_paid": "900"})
    assert response.context["form"].errors["amount_paid"] == ["Bitte einen Betrag zwischen 0 und 500 € angeben."]
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFIRMED


def test_the_provider_rates_the_helper_once(provider_client, assignment):
    done(assignment, provider_client)
    page = provider_client.get(url("assignment_feedback", assignment))
    html = page.content.decode()
    assert "<legend>Wie zufrieden sind Sie?</legend>" in html and "5 Sterne – sehr gut" in html
    assert_accessible(html)
    response = provider_client.post(url("assignment_feedback", assignment), {"stars": "7"})
    assert response.context["form"].errors["stars"] == ["Bitte wählen Sie 1 bis 5 Sterne."]
    assert not Feedback.objects.exists()
    response = provider_client.post(url("assignment_feedback", assignment), {"stars": "5", "comment": "Sehr nett"})
    assert response.status_code == 302 and response["Location"] == job_page(assignment)
    feedback = Feedback.objects.get()
    assert (feedback.author, feedback.stars, feedback.comment) == (FeedbackAuthor.PROVIDER, 5, "Sehr nett")
    response = provider_client.get(url("assignment_feedback", assignment), follow=True)
    assert "Sie haben diesen Einsatz schon bewertet." in response.content.decode()
    assert "Lena bewerten" not in provider_client.get(job_page(assignment)).content.decode()


def test_the_provider_reports_a_problem(provider_client, world, assignment):
    page = provider_client.get(url("assignment_incident", assignment))
    assert_accessible(page.content.decode())
    response = provider_client.post(url("assignment_incident", assignment), {"text": "  "})
    assert response.context["form"].errors["text"] == ["Bitte beschreiben Sie kurz, was passiert ist."]
    assert not Incident.objects.exists()
    response = provider_client.post(url("assignment_incident", assignment), {"text": "Sie kam eine Stunde zu spät."})
    assert response.status_code == 302 and response["Location"] == job_page(assignment)
    incident = Incident.objects.get()
    assert (incident.assignment, incident.job, incident.reported_by, incident.exchange) == (
        assignment, world["job"], world["provider"].user, world["job"].exchange)


def test_the_provider_asks_for_the_same_helper_again(provider_client, world, assignment):
    done(assignment, provider_client)
    html = provider_client.get(job_page(assignment)).content.decode()
    assert url("assignment_request_again", assignment) in html
    page = provider_client.get(url("assignment_request_again", assignment))
    assert_accessible(page.content.decode())
    day = next_saturday(weeks=1)
    response = provider_client.post(url("assignment_request_again", assignment), {
        "schedule": "fixed", "date": day.isoformat(), "start": "11:00", "end": "12:00"})
    new = Job.objects.exclude(pk=world["job"].pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("provider_job", args=[new.pk])
    assert (new.preferred_teen, new.provider, new.title, new.helpers_needed, new.status) == (
        world["lena"], world["provider"], "Laub rechen", 1, JobStatus.REVIEW)
    assert (new.starts_at, new.ends_at, new.hourly_rate) == (at(day, 11), at(day, 12), Decimal("8.00"))


def test_asking_again_for_a_time_nobody_could_do_shows_the_reasons(provider_client, world, assignment):
    done(assignment, provider_client)
    sunday = next_saturday(weeks=1) + timedelta(days=1)
    response = provider_client.post(url("assignment_request_again", assignment), {
        "schedule": "fixed", "date": sunday.isoformat(), "start": "22:00", "end": "01:00"})
    assert response.status_code == 200
    assert "So kann niemand diesen Auftrag übernehmen" in response.content.decode()
    assert "Ein Einsatz muss vor Mitternacht zu Ende sein." in response.context["form"].problems
    assert Job.objects.count() == 1


def test_the_provider_records_a_no_show(provider_client, assignment):
    started(assignment)
    assert_accessible(provider_client.get(url("assignment_no_show", assignment)).content.decode())
    response = provider_client.post(url("assignment_no_show", assignment))
    assert response.status_code == 302 and response["Location"] == job_page(assignment)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.NO_SHOW


def test_the_provider_cancels_with_a_reason_and_the_place_opens_again(provider_client, world, assignment):
    response = provider_client.post(url("assignment_cancel", assignment), {"reason": ""})
    assert response.context["form"].errors["reason"] == ["Bitte einen Grund angeben."]
    response = provider_client.post(url("assignment_cancel", assignment), {"reason": "Ich bin krank."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    job = Job.objects.get(pk=world["job"].pk)
    assert (assignment.status, assignment.status_reason) == (AssignmentStatus.CANCELLED, "Ich bin krank.")
    assert (job.status, job.helpers_accepted) == (JobStatus.OPEN, 0)


# --- the teen and the coordinator ---------------------------------------------------------------


def test_the_teen_confirms_and_goes_back_to_her_jobs(client, world, assignment):
    started(assignment)
    client.force_login(world["lena"].user)
    page = client.get(url("assignment_complete", assignment))
    html = page.content.decode()
    assert 'class="teen"' in html and "bestätige" in html
    assert_accessible(html)
    response = client.post(url("assignment_complete", assignment))
    assert response.status_code == 302 and response["Location"] == reverse("teen_assignments")
    assignment.refresh_from_db()
    assert assignment.teen_confirmed_at is not None and assignment.status == AssignmentStatus.CONFIRMED


def test_the_teen_cancels_rates_and_reports_but_cannot_record_a_no_show(client, world, assignment):
    client.force_login(world["lena"].user)
    assert client.get(url("assignment_no_show", assignment)).status_code == 404
    assert client.get(url("assignment_request_again", assignment)).status_code == 404
    response = client.post(url("assignment_incident", assignment), {"text": "Der Hund war sehr wild."})
    assert response["Location"] == reverse("teen_assignments")
    response = client.post(url("assignment_cancel", assignment), {"reason": "Klassenfahrt"})
    assert response["Location"] == reverse("teen_assignments")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CANCELLED


def test_the_teen_rates_after_the_job(client, world, assignment):
    client.force_login(world["provider"].user)
    done(assignment, client)
    client.force_login(world["lena"].user)
    html = client.get(url("assignment_feedback", assignment)).content.decode()
    assert "<legend>Wie zufrieden bist du?</legend>" in html
    response = client.post(url("assignment_feedback", assignment), {"stars": "4"})
    assert response["Location"] == reverse("teen_assignments")
    assert Feedback.objects.get().author == FeedbackAuthor.TEEN


def test_a_coordinator_of_the_exchange_confirms_for_a_provider_by_phone(client, world, assignment):
    started(assignment)
    client.force_login(world["coordinator"])
    html = client.get(url("assignment_complete", assignment)).content.decode()
    assert 'class="coordinator"' in html
    response = client.post(url("assignment_complete", assignment), {"minutes_worked": "90", "amount_paid": ""})
    assert response["Location"] == reverse("coordinator_job", args=[assignment.job_id])
    assignment.refresh_from_db()
    assert (assignment.status, assignment.amount_paid) == (AssignmentStatus.DONE, None)
    # Rating is for the two sides only.
    assert client.get(url("assignment_feedback", assignment)).status_code == 404


# --- who must not know that the match exists ------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_provider", "teen_who_did_not_get_it", "other_coordinator",
                                     "teen_of_another_exchange"])
def test_outsiders_get_404_on_every_action(client, world, assignment, exchange, other_exchange, persona):
    started(assignment)
    user = {
        "other_provider": lambda: make_provider(exchange, first_name="Gertrud").user,
        "teen_who_did_not_get_it": lambda: world["jonas"].user,
        "other_coordinator": lambda: make_coordinator(other_exchange),
        "teen_of_another_exchange": lambda: make_teen(other_exchange, postcode="52062").user,
    }[persona]()
    client.force_login(user)
    payload = {"minutes_worked": "60", "reason": "x", "stars": "1", "text": "x", "schedule": "fixed",
               "date": next_saturday(weeks=1).isoformat(), "start": "11:00", "end": "12:00"}
    for name in ACTIONS:
        assert client.get(url(name, assignment)).status_code == 404, name
        assert client.post(url(name, assignment), payload).status_code == 404, name
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFIRMED
    assert not Feedback.objects.exists() and not Incident.objects.exists() and Job.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(client, assignment):
    response = client.get(url("assignment_complete", assignment))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_closed_match_offers_no_more_forms(provider_client, assignment):
    provider_client.post(url("assignment_cancel", assignment), {"reason": "Ich bin krank."})
    for name in ("assignment_cancel", "assignment_complete", "assignment_no_show"):
        response = provider_client.get(url(name, assignment), follow=True)
        assert "Dieser Einsatz ist abgesagt." in response.content.decode(), name
