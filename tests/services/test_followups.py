"""Follow-ups from the "Today" page as services: closing a problem report, marking a low rating
as seen and a no-show as followed up. Only the exchange's coordinators may; a second time is a
clear Conflict; each leaves one audit entry."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from marketplace.models import AssignmentStatus, Feedback, FeedbackAuthor, IncidentStatus
from marketplace.selectors import today as queues
from marketplace.services.errors import Conflict
from marketplace.services.followups import feedback_mark_reviewed, incident_close, no_show_mark_reviewed
from tests.factories import make_coordinator
from tests.web.test_console_today import World

pytestmark = pytest.mark.django_db
FOLLOW_UPS = ("marketplace.incident.closed", "marketplace.feedback.reviewed", "marketplace.assignment.no_show_reviewed")


@pytest.fixture
def world(exchange):
    return World(exchange, "52349")


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange)


def test_closing_a_report_records_who_when_and_what_was_done(world, coordinator):
    incident = world.add(queues.INCIDENTS, "Streit über die Bezahlung")
    closed = incident_close(incident=incident, by=coordinator, resolution="  Mit beiden telefoniert.  ")
    closed.refresh_from_db()
    assert closed.status == IncidentStatus.CLOSED
    assert (closed.closed_by, closed.resolution) == (coordinator, "Mit beiden telefoniert.")
    assert closed.closed_at is not None
    entry = AuditEntry.objects.get(action="marketplace.incident.closed")
    assert (entry.actor, entry.target_id, entry.exchange_id) == (coordinator, incident.pk, world.exchange.pk)
    assert "Mit beiden" not in str(entry.data), "the free text stays on the report, not in the log"


def test_a_report_is_not_closed_without_saying_what_was_done(world, coordinator):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    with pytest.raises(ValidationError) as error:
        incident_close(incident=incident, by=coordinator, resolution=" ")
    assert error.value.message_dict == {"resolution": ["Bitte beschreiben Sie kurz, was unternommen wurde."]}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and not AuditEntry.objects.filter(action__in=FOLLOW_UPS).exists()


def test_closing_a_report_twice_is_a_conflict(world, coordinator):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    incident_close(incident=incident, by=coordinator, resolution="Erledigt.")
    with pytest.raises(Conflict, match="schon erledigt"):
        incident_close(incident=incident, by=make_coordinator(world.exchange), resolution="Ich auch.")
    incident.refresh_from_db()
    assert incident.resolution == "Erledigt." and incident.closed_by == coordinator


def test_only_a_coordinator_of_the_exchange_may_follow_up(world, other_exchange):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    feedback = world.add(queues.LOW_RATINGS, "Mies")
    no_show = world.add(queues.NO_SHOWS, "Weg")
    for outsider in (make_coordinator(other_exchange), world.provider.user, no_show.teen.user):
        with pytest.raises(Conflict):
            incident_close(incident=incident, by=outsider, resolution="Nichts.")
        with pytest.raises(Conflict):
            feedback_mark_reviewed(feedback=feedback, by=outsider)
        with pytest.raises(Conflict):
            no_show_mark_reviewed(assignment=no_show, by=outsider)
    incident.refresh_from_db()
    feedback.refresh_from_db()
    no_show.refresh_from_db()
    assert (incident.status, feedback.reviewed_at, no_show.reviewed_at) == (IncidentStatus.OPEN, None, None)
    assert not AuditEntry.objects.filter(action__in=FOLLOW_UPS).exists()


def test_a_low_rating_is_marked_as_seen_once(world, coordinator):
    feedback = world.add(queues.LOW_RATINGS, "Unfreundlich")
    feedback_mark_reviewed(feedback=feedback, by=coordinator)
    feedback.refresh_from_db()
    assert feedback.reviewed_by == coordinator and feedback.reviewed_at is not None
    with pytest.raises(Conflict, match="schon als gesehen"):
        feedback_mark_reviewed(feedback=feedback, by=coordinator)
    entry = AuditEntry.objects.get(action="marketplace.feedback.reviewed")
    assert entry.subject_user_id == feedback.assignment.teen.user_id and entry.data["stars"] == 2


def test_a_good_rating_needs_no_follow_up(world, coordinator):
    feedback = Feedback.objects.create(assignment=world.assignment("Mia"), author=FeedbackAuthor.PROVIDER, stars=4)
    with pytest.raises(Conflict, match="Nur schlechte Bewertungen"):
        feedback_mark_reviewed(feedback=feedback, by=coordinator)


def test_a_no_show_is_followed_up_once_and_only_a_no_show(world, coordinator):
    no_show = world.add(queues.NO_SHOWS, "Jonas")
    no_show_mark_reviewed(assignment=no_show, by=coordinator)
    no_show.refresh_from_db()
    assert no_show.reviewed_by == coordinator and no_show.status == AssignmentStatus.NO_SHOW
    with pytest.raises(Conflict, match="schon als nachgehalten"):
        no_show_mark_reviewed(assignment=no_show, by=coordinator)
    with pytest.raises(Conflict, match="kein Nichterscheinen"):
        no_show_mark_reviewed(assignment=world.assignment("Mia"), by=coordinator)
    assert AuditEntry.objects.filter(action="marketplace.assignment.no_show_reviewed").count() == 1
