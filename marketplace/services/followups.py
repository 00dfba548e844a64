"""Follow-ups from the coordinator's "Today" page: a problem report is closed with what was done,
a low rating is marked as looked into, a no-show as followed up. Each leaves the page once done.

Only a coordinator of the exchange concerned may do this. Every row is locked while it changes,
so that two coordinators (or a double click) cannot both close it: the second one gets a clear
Conflict, never a second audit entry.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log

from ..models import Assignment, AssignmentStatus, Feedback, Incident, IncidentStatus
from ..selectors import is_coordinator_of
from ..selectors.today import LOW_RATING_MAX_STARS
from .errors import Conflict

RESOLUTION_MAX_LENGTH = 4000


def resolution_required_message() -> str:
    return _("Bitte beschreiben Sie kurz, was unternommen wurde.")


def _require_coordinator_of(user: User, exchange_id: int | None) -> None:
    if not is_coordinator_of(user=user, exchange_id=exchange_id):
        raise Conflict(_("Das kann nur die Koordination dieser Börse."))


@transaction.atomic
def incident_close(*, incident: Incident, by: User, resolution: str) -> Incident:
    """Close a problem report with what was done about it (kept on the report for the next
    colleague; the audit entry records only that and when it was closed)."""
    resolution = (resolution or "").strip()
    _require_coordinator_of(by, incident.exchange_id)
    if not resolution:
        raise ValidationError({"resolution": [resolution_required_message()]})
    if len(resolution) > RESOLUTION_MAX_LENGTH:
        raise ValidationError({"resolution": [
            _("Bitte höchstens %(max)s Zeichen.") % {"max": RESOLUTION_MAX_LENGTH}]})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("Diese Meldung ist schon erledigt."))
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.closed_by = by
    incident.resolution = resolution
    incident.save(update_fields=["status", "closed_at", "closed_by", "resolution"])
    subject = incident.assignment.teen.user_id if incident.assignment_id else None
    audit_log(actor=by, action="marketplace.incident.closed", target=incident, exchange_id=incident.exchange_id,
              subject_user_id=subject, data={"job_id": incident.job_id, "assignment_id": incident.assignment_id})
    return incident


@transaction.atomic
def feedback_mark_reviewed(*, feedback: Feedback, by: User) -> Feedback:
    """A low rating has been looked into (the coordinator phoned, or decided nothing is needed)."""
    feedback = (Feedback.objects.select_for_update(of=("self",))
                .select_related("assignment__job", "assignment__teen").get(pk=feedback.pk))
    assignment = feedback.assignment
    _require_coordinator_of(by, assignment.job.exchange_id)
    if feedback.stars > LOW_RATING_MAX_STARS:
        raise Conflict(_("Nur schlechte Bewertungen (bis %(stars)s Sterne) werden nachgehalten.")
                       % {"stars": LOW_RATING_MAX_STARS})
    if feedback.reviewed_at is not None:
        raise Conflict(_("Diese Bewertung ist schon als gesehen vermerkt."))
    feedback.reviewed_at, feedback.reviewed_by = timezone.now(), by
    feedback.save(update_fields=["reviewed_at", "reviewed_by"])
    audit_log(actor=by, action="marketplace.feedback.reviewed", target=feedback,
              exchange_id=assignment.job.exchange_id, subject_user_id=assignment.teen.user_id,
              data={"stars": feedback.stars, "author": feedback.author, "assignment_id": assignment.pk})
    return feedback


@transaction.atomic
def no_show_mark_reviewed(*, assignment: Assignment, by: User) -> Assignment:
    """A no-show has been followed up (usually a call to the teen and to the provider)."""
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("job", "teen").get(pk=assignment.pk))
    _require_coordinator_of(by, assignment.job.exchange_id)
    if assignment.status != AssignmentStatus.NO_SHOW:
        raise Conflict(_("Für diesen Einsatz ist kein Nichterscheinen gemeldet."))
    if assignment.reviewed_at is not None:
        raise Conflict(_("Dieses Nichterscheinen ist schon als nachgehalten vermerkt."))
    assignment.reviewed_at, assignment.reviewed_by = timezone.now(), by
    assignment.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
    audit_log(actor=by, action="marketplace.assignment.no_show_reviewed", target=assignment,
              exchange_id=assignment.job.exchange_id, subject_user_id=assignment.teen.user_id,
              data={"job_id": assignment.job_id})
    return assignment
