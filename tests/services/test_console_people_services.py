"""Services behind the console's people pages: reassigning and cancelling a match, blocking a
pair, pausing, suspending and reactivating with a reason."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import (
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    BlockedPair,
    JobStatus,
    TeenStatus,
)
from marketplace.selectors import candidates_for_job
from marketplace.services.assignments import assignment_cancel, assignment_reassign, assignments_cancel_upcoming
from marketplace.services.blocks import blocked_pair_create, blocked_pair_delete
from marketplace.services.errors import Conflict
from marketplace.services.jobs import application_create, assignment_create_direct, job_create
from marketplace.services.teens import teen_verify
from matching.calendar import Calendar
from notifications.models import Notification
from notifications.selectors import notification_text
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NW = Calendar(state="NW")


def next_saturday(hour, minute=0):
    """A Saturday ahead that is no public holiday and no 24/31 December."""
    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    while NW.public_holiday(day) or (day.month, day.day) in {(12, 24), (12, 31)}:
        day += timedelta(weeks=1)
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def provider(exchange):
    return make_provider(exchange, first_name="Hildegard")


@pytest.fixture
def job(provider, coordinator):
    return job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": "Laub rechen", "starts_at": next_saturday(11),
        "ends_at": next_saturday(12, 30), "hourly_rate": Decimal("8.00"), "helpers_needed": 1})


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, age=15, first_name="Lena", email="lena@example.org")


@pytest.fixture
def match(job, lena, coordinator):
    return assignment_create_direct(job=job, teen=lena, by=coordinator)


def kinds_for(user_id):
    return sorted(set(Notification.objects.filter(user_id=user_id).values_list("kind", flat=True)))


# --- Reassign -----------------------------------------------------------------------------------


def test_a_coordinator_reassigns_a_match_and_the_old_teen_the_new_teen_and_the_provider_hear_of_it(
    exchange, coordinator, provider, job, lena, match
):
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    Notification.objects.all().delete()
    new = assignment_reassign(assignment=match, teen=jonas, by=coordinator, reason="Lena ist krank")
    match.refresh_from_db()
    job.refresh_from_db()
    assert (match.status, match.status_reason) == (AssignmentStatus.CANCELLED, "Lena ist krank")
    assert (new.teen, new.status, new.created_by) == (jonas, AssignmentStatus.CONFIRMED, coordinator)
    assert (job.status, job.helpers_accepted) == (JobStatus.FILLED, 1)
    assert kinds_for(lena.user_id) == ["assignment.cancelled"]
    assert kinds_for(jonas.user_id) == ["application.accepted"]
    assert kinds_for(provider.user_id) == ["application.accepted"]  # her new helper, no "cancelled"
    # ... but the message says that her helper changed, and who comes now.
    told = Notification.objects.get(user_id=provider.user_id, channel="inapp")
    _title, text = notification_text(told)
    assert "umgeplant" in text.lower() and "Statt Lena" in text and "Jonas" in text
    parent = Notification.objects.filter(user__isnull=True, recipient_email="eltern@example.org")
    assert sorted(parent.values_list("kind", flat=True)) == ["assignment.cancelled", "parent.job_confirmed"]
    entry = AuditEntry.objects.get(action="marketplace.assignment.reassigned")
    assert (entry.actor, entry.target_id, entry.subject_user_id) == (coordinator, new.pk, jonas.user_id)
    assert entry.data["from_teen"] == lena.pk and entry.data["to_teen"] == jonas.pk


def test_reassigning_to_a_teen_who_may_not_changes_nothing_and_names_the_reasons(
    exchange, coordinator, job, lena, match
):
    far_away = make_teen(exchange, age=16, first_name="Fern", postcode="52428")
    Notification.objects.all().delete()
    with pytest.raises(ValidationError) as error:
        assignment_reassign(assignment=match, teen=far_away, by=coordinator, reason="Lena ist krank")
    assert any("km" in message for message in error.value.message_dict["job"])
    match.refresh_from_db()
    job.refresh_from_db()
    assert match.status == AssignmentStatus.CONFIRMED and match.status_reason == ""
    assert (job.status, job.helpers_accepted) == (JobStatus.FILLED, 1)
    assert Assignment.objects.count() == 1
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["marketplace.assignment.reassigned",
                                                     "marketplace.assignment.cancelled"]).exists()


def test_reassigning_needs_a_reason_another_teen_and_a_coordinator_of_the_exchange(
    exchange, other_exchange, coordinator, provider, match, lena
):
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    with pytest.raises(ValidationError) as error:
        assignment_reassign(assignment=match, teen=jonas, by=coordinator, reason=" ")
    assert error.value.message_dict["reason"] == ["Bitte einen Grund angeben."]
    with pytest.raises(ValidationError) as error:
        assignment_reassign(assignment=match, teen=lena, by=coordinator, reason="x")
    assert error.value.message_dict["teen"] == ["Bitte eine andere Person wählen."]
    for outsider in (provider.user, make_coordinator(other_exchange)):
        with pytest.raises(Conflict):
            assignment_reassign(assignment=match, teen=jonas, by=outsider, reason="x")
    olga = make_teen(other_exchange, postcode="52062", first_name="Olga")
    with pytest.raises(Conflict):
        assignment_reassign(assignment=match, teen=olga, by=coordinator, reason="x")
    match.refresh_from_db()
    assert match.status == AssignmentStatus.CONFIRMED


def test_a_pending_application_of_the_new_teen_is_accepted_by_the_reassignment(
    exchange, coordinator, provider, lena
):
    job = job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": "Hecke", "starts_at": next_saturday(13), "ends_at": next_saturday(14),
        "hourly_rate": Decimal("8.00"), "helpers_needed": 2})
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    application = application_create(job=job, teen=jonas)
    match = assignment_create_direct(job=job, teen=lena, by=coordinator)
    assignment_reassign(assignment=match, teen=jonas, by=coordinator, reason="Tausch")
    application.refresh_from_db()
    job.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert (job.status, job.helpers_accepted) == (JobStatus.OPEN, 1)


# --- Cancel -------------------------------------------------------------------------------------


def test_a_coordinator_cancellation_tells_both_sides_and_the_parent(coordinator, provider, job, lena, match):
    Notification.objects.all().delete()
    assignment_cancel(assignment=match, by=coordinator, reason="Unwetter")
    assert "assignment.cancelled" in kinds_for(lena.user_id)
    assert "assignment.cancelled" in kinds_for(provider.user_id)
    assert Notification.objects.filter(kind="assignment.cancelled", recipient_email="eltern@example.org").exists()
    assert Notification.objects.filter(user_id=lena.user_id, context__cancelled_by="coordinator").exists()


def test_cancelling_upcoming_matches_skips_what_already_ended(coordinator, match, lena):
    cancelled = assignments_cancel_upcoming(assignments=[match], by=coordinator, reason="Gesperrt")
    assert [a.pk for a in cancelled] == [match.pk]
    assert assignments_cancel_upcoming(assignments=[match], by=coordinator, reason="Gesperrt") == []
    with pytest.raises(ValidationError):
        assignments_cancel_upcoming(assignments=[match], by=coordinator, reason="")


# --- Blocked pairs ------------------------------------------------------------------------------


def test_blocking_closes_her_pending_applications_and_removes_her_from_the_candidates(
    coordinator, provider, job, lena
):
    application = application_create(job=job, teen=lena)
    assert lena in [teen for teen, _ranked in candidates_for_job(job=job)]
    pair = blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="Streit beim letzten Einsatz")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED and application.decided_by == coordinator
    assert lena not in [teen for teen, _ranked in candidates_for_job(job=job)]
    entry = AuditEntry.objects.get(action="marketplace.blocked_pair.created")
    assert (entry.target_id, entry.subject_user_id, entry.exchange_id) == (pair.pk, lena.user_id, pair.exchange_id)
    assert entry.data["applications_closed"] == [application.pk]


def test_a_direct_assignment_of_a_blocked_pair_is_refused(coordinator, provider, job, lena):
    blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="Wunsch der Auftraggeberin")
    with pytest.raises(ValidationError):
        assignment_create_direct(job=job, teen=lena, by=coordinator)


def test_blocking_needs_a_reason_the_same_exchange_and_refuses_a_duplicate(
    exchange, other_exchange, coordinator, provider, lena
):
    with pytest.raises(ValidationError) as error:
        blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="  ")
    assert error.value.message_dict["reason"] == ["Bitte eine Begründung angeben."]
    aachen = make_provider(other_exchange, postcode="52062", first_name="Anna")
    with pytest.raises(Conflict, match="verschiedenen Börsen"):
        blocked_pair_create(teen=lena, provider=aachen, by=coordinator, reason="x")
    blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="x")
    with pytest.raises(Conflict, match="bereits gesperrt"):
        blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="noch einmal")
    with pytest.raises(Conflict):
        blocked_pair_create(teen=lena, provider=provider, by=make_coordinator(other_exchange), reason="x")
    assert BlockedPair.objects.count() == 1


def test_unblocking_brings_her_back_among_the_candidates_and_is_on_record(coordinator, provider, job, lena):
    pair = blocked_pair_create(teen=lena, provider=provider, by=coordinator, reason="x")
    blocked_pair_delete(pair=pair, by=coordinator)
    assert not BlockedPair.objects.exists()
    assert lena in [teen for teen, _ranked in candidates_for_job(job=job)]
    entry = AuditEntry.objects.get(action="marketplace.blocked_pair.deleted")
    assert (entry.actor, entry.subject_user_id) == (coordinator, lena.user_id)
    with pytest.raises(Conflict):
        blocked_pair_delete(pair=pair, by=coordinator)


# --- Pause, suspend, reactivate -----------------------------------------------------------------


@pytest.mark.parametrize("decision, status", [("pause", TeenStatus.PAUSED), ("suspend", TeenStatus.SUSPENDED)])
def test_a_paused_or_suspended_teen_is_reactivated_and_told(coordinator, exchange, decision, status):
    teen = make_teen(exchange, age=19, intake_on=timezone.localdate() - timedelta(days=3))
    with pytest.raises(ValidationError) as error:
        teen_verify(teen=teen, by=coordinator, decision=decision, reason="")
    assert error.value.message_dict["reason"] == ["Bitte eine Begründung angeben."]
    teen_verify(teen=teen, by=coordinator, decision=decision, reason="Beschwerde wird geklärt")
    teen.refresh_from_db()
    assert (teen.status, teen.status_reason) == (status, "Beschwerde wird geklärt")
    teen_verify(teen=teen, by=coordinator, decision="activate")
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE
    assert Notification.objects.filter(user_id=teen.user_id, kind="verification.activated").exists()
    assert list(AuditEntry.objects.filter(subject_user_id=teen.user_id).order_by("id")
                .values_list("action", flat=True)) == [f"marketplace.teen.{status_action}" for status_action in
                                                        ("paused" if decision == "pause" else "suspended",
                                                         "activated")]

