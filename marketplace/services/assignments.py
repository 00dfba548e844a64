"""After the match: hours, cash, ratings, problems, no-shows, cancellations, "same helper again"."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log

from .. import notify
from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Incident,
    Job,
    JobStatus,
)
from ..selectors import assignment_side
from .errors import Conflict

CLOSED = {AssignmentStatus.DONE, AssignmentStatus.NO_SHOW, AssignmentStatus.CANCELLED}



def _locked(assignment: Assignment) -> Assignment:
    return (Assignment.objects.select_for_update(of=("self",))
            .select_related("job__provider", "job__exchange", "teen").get(pk=assignment.pk))


def _close_job_if_finished(job: Job) -> None:
    """A filled job whose helpers are all closed out is done (or, with nobody left, cancelled
    helpers reopen it while its start is still ahead)."""
    job = Job.objects.select_for_update(of=("self",)).get(pk=job.pk)
    open_ones = job.assignments.filter(status=AssignmentStatus.CONFIRMED).exists()
    worked = job.assignments.filter(status=AssignmentStatus.DONE).exists()
    if job.status == JobStatus.FILLED and not open_ones and worked:
        job.status = JobStatus.DONE
        job.save(update_fields=["status", "updated_at"])


@transaction.atomic
def assignment_complete(*, assignment: Assignment, by: User, minutes_worked: int | None = None,
                        amount_paid: Decimal | None = None) -> Assignment:
    """The provider (or a coordinator for her) confirms the hours and the cash paid; the teen
    confirms on her side. The match is done once the provider side has confirmed."""
    assignment = _locked(assignment)
    side = assignment_side(user=by, assignment=assignment)
    if side is None:
        raise Conflict(_("Das ist nicht Ihre Vermittlung."))
    if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.DONE):
        raise Conflict(_("Die Vermittlung ist %(status)s.") % {"status": assignment.get_status_display()})
    if timezone.now() < assignment.starts_at:
        raise Conflict(_("Der Einsatz hat noch nicht begonnen."))
    if side in ("provider", "coordinator"):
        errors = {}
        planned = int((assignment.ends_at - assignment.starts_at).total_seconds() // 60)
        minutes = planned if minutes_worked is None else int(minutes_worked)
        if not 15 <= minutes <= 8 * 60:
            errors["minutes_worked"] = [_("Bitte die Zeit zwischen 15 Minuten und 8 Stunden angeben.")]
        if amount_paid is not None and not Decimal("0") <= Decimal(amount_paid) <= Decimal("500"):
            errors["amount_paid"] = [_("Bitte einen Betrag zwischen 0 und 500 € angeben.")]
        if errors:
            raise ValidationError(errors)
        assignment.minutes_worked = minutes
        assignment.amount_paid = amount_paid
        assignment.provider_confirmed_at = timezone.now()
        assignment.status = AssignmentStatus.DONE
    else:
        assignment.teen_confirmed_at = timezone.now()
    assignment.save()
    if assignment.status == AssignmentStatus.DONE:
        _close_job_if_finished(assignment.job)
    audit_log(actor=by, action=f"marketplace.assignment.confirmed_by_{side}", target=assignment,
              exchange_id=assignment.job.exchange_id, subject_user_id=assignment.teen.user_id,
              data={"minutes": assignment.minutes_worked})
    return assignment


@transaction.atomic
def assignment_no_show(*, assignment: Assignment, by: User) -> Assignment:
    assignment = _locked(assignment)
    if assignment_side(user=by, assignment=assignment) not in ("provider", "coordinator"):
        raise Conflict(_("Nur die Auftraggeberin oder die Koordination kann das melden."))
    if assignment.status != AssignmentStatus.CONFIRMED:
        raise Conflict(_("Die Vermittlung ist %(status)s.") % {"status": assignment.get_status_display()})
    if timezone.now() < assignment.starts_at:
        raise Conflict(_("Der Einsatz hat noch nicht begonnen."))
    assignment.status = AssignmentStatus.NO_SHOW
    assignment.save()
    audit_log(actor=by, action="marketplace.assignment.no_show", target=assignment,
              exchange_id=assignment.job.exchange_id, subject_user_id=assignment.teen.user_id)
    return assignment


def _release_place(assignment: Assignment, reason: str) -> tuple[Job, bool]:
    """Mark the match cancelled and give its place back; a filled job whose start is still
    ahead opens again. Returns the job and whether it reopened."""
    assignment.status, assignment.status_reason = AssignmentStatus.CANCELLED, reason.strip()
    assignment.save()
    job = Job.objects.select_for_update(of=("self",)).get(pk=assignment.job_id)
    Job.objects.filter(pk=job.pk).update(helpers_accepted=F("helpers_accepted") - 1)
    job.refresh_from_db()
    reopened = False
    if job.status == JobStatus.FILLED:
        start = job.starts_at or timezone.make_aware(datetime.combine(job.window_end, datetime.max.time()))
        job.status = JobStatus.OPEN if start > timezone.now() else JobStatus.FILLED
        job.save(update_fields=["status", "updated_at"])
        reopened = job.status == JobStatus.OPEN
    return job, reopened


@transaction.atomic
def assignment_cancel(*, assignment: Assignment, by: User, reason: str) -> Assignment:
    """Either side (or a coordinator) cancels with a reason; the place opens again."""
    assignment = _locked(assignment)
    side = assignment_side(user=by, assignment=assignment)
    if side is None:
        raise Conflict(_("Das ist nicht Ihre Vermittlung."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Bitte einen Grund angeben.")]})
    if assignment.status != AssignmentStatus.CONFIRMED:
        raise Conflict(_("Die Vermittlung ist %(status)s.") % {"status": assignment.get_status_display()})
    job, reopened = _release_place(assignment, reason)
    audit_log(actor=by, action="marketplace.assignment.cancelled", target=assignment,
              exchange_id=job.exchange_id, subject_user_id=assignment.teen.user_id,
              data={"reason": reason.strip(), "by": side})
    notify.assignment_cancelled(assignment=assignment, side=side)
    if reopened:
        notify.job_opened(job=job)  # the place is free again: offer it to the teens who have not heard of it
    return assignment


@transaction.atomic
def assignment_reassign(*, assignment: Assignment, teen, by: User, reason: str) -> Assignment:
    """A coordinator gives a confirmed match to another teen: the old match is cancelled and the
    new teen confirmed in one transaction. The engine re-checks the new teen at this moment; if
    she may not do the job, nothing changes and the error names every reason. The old teen (and
    her parent) hear that the match is off, the new teen, her parent and the provider that it is
    confirmed."""
    from .jobs import _confirm

    assignment = _locked(assignment)
    job = assignment.job
    if assignment_side(user=by, assignment=assignment) != "coordinator":
        raise Conflict(_("Nur die Koordination dieser Börse kann neu vermitteln."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Bitte einen Grund angeben.")]})
    if assignment.status != AssignmentStatus.CONFIRMED:
        raise Conflict(_("Die Vermittlung ist %(status)s.") % {"status": assignment.get_status_display()})
    if assignment.starts_at <= timezone.now():
        raise Conflict(_("Der Einsatz hat schon begonnen; er kann nicht mehr neu vermittelt werden."))
    if teen.exchange_id != job.exchange_id:
        raise Conflict(_("Die Person gehört zu einer anderen Börse."))
    if teen.pk == assignment.teen_id:
        raise ValidationError({"teen": [_("Bitte eine andere Person wählen.")]})
    if Assignment.objects.filter(job=job, teen=teen).exists():
        raise ValidationError({"teen": [_("%(name)s war für diesen Auftrag schon vermittelt.")
                                        % {"name": teen.first_name}]})
    old_teen = assignment.teen
    # The match starts in the future (checked above), so giving its place back reopens a filled
    # job, and `_confirm` fills that place again.
    _release_place(assignment, reason)
    application = (Application.objects.select_for_update(of=("self",))
                   .filter(job=job, teen=teen, status=ApplicationStatus.PENDING).first())
    # Raises (and so rolls everything back) when the new teen may not do the job.
    new = _confirm(job, teen, by, application, replaces=old_teen)
    if application:
        application.status, application.decided_at, application.decided_by = (
            ApplicationStatus.ACCEPTED, timezone.now(), by)
        application.save()
    audit_log(actor=by, action="marketplace.assignment.cancelled", target=assignment,
              exchange_id=job.exchange_id, subject_user_id=old_teen.user_id,
              data={"reason": reason.strip(), "by": "coordinator", "reassigned_to": new.pk})
    audit_log(actor=by, action="marketplace.assignment.reassigned", target=new,
              exchange_id=job.exchange_id, subject_user_id=teen.user_id,
              data={"reason": reason.strip(), "job_id": job.pk, "from_assignment": assignment.pk,
                    "from_teen": old_teen.pk, "to_teen": teen.pk})
    notify.assignment_reassigned_away(assignment=assignment)
    return new


def assignments_cancel_upcoming(*, assignments: list[Assignment], by: User, reason: str) -> list[Assignment]:
    """Cancel these confirmed matches (a person is paused or suspended): each through
    `assignment_cancel`, so both sides and a minor's parent are told. Ones that meanwhile began
    or closed are skipped."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Bitte einen Grund angeben.")]})
    cancelled = []
    with transaction.atomic():
        for assignment in assignments:
            current = Assignment.objects.filter(pk=assignment.pk).values_list("status", "starts_at").first()
            if current is None or current[0] != AssignmentStatus.CONFIRMED or current[1] <= timezone.now():
                continue
            cancelled.append(assignment_cancel(assignment=assignment, by=by, reason=reason))
    return cancelled


@transaction.atomic
def feedback_give(*, assignment: Assignment, by: User, stars: int, comment: str = "") -> Feedback:
    assignment = _locked(assignment)
    side = assignment_side(user=by, assignment=assignment)
    if side not in ("provider", "teen"):
        raise Conflict(_("Bewerten können nur die beiden Beteiligten."))
    if assignment.status not in (AssignmentStatus.DONE, AssignmentStatus.NO_SHOW):
        raise Conflict(_("Bewerten geht erst nach dem Einsatz."))
    if not 1 <= int(stars) <= 5:
        raise ValidationError({"stars": [_("Bitte 1 bis 5 Sterne vergeben.")]})
    author = FeedbackAuthor.PROVIDER if side == "provider" else FeedbackAuthor.TEEN
    if Feedback.objects.filter(assignment=assignment, author=author).exists():
        raise Conflict(_("Sie haben diesen Einsatz schon bewertet."))
    feedback = Feedback.objects.create(assignment=assignment, author=author, stars=int(stars),
                                       comment=(comment or "").strip()[:2000])
    audit_log(actor=by, action="marketplace.feedback.given", target=feedback,
              exchange_id=assignment.job.exchange_id, subject_user_id=assignment.teen.user_id,
              data={"stars": int(stars), "author": author})
    return feedback


@transaction.atomic
def incident_report(*, by: User, text: str, job: Job | None = None,
                    assignment: Assignment | None = None) -> Incident:
    """"Problem melden": goes to the coordinators of the exchange."""
    if assignment is not None:
        assignment = Assignment.objects.select_related("job__provider", "teen").get(pk=assignment.pk)
        if assignment_side(user=by, assignment=assignment) is None:
            raise Conflict(_("Das ist nicht Ihre Vermittlung."))
        job = assignment.job
    if job is None:
        raise ValidationError({"job": [_("Bitte angeben, worum es geht.")]})
    if not (text or "").strip():
        raise ValidationError({"text": [_("Bitte beschreiben Sie kurz, was passiert ist.")]})
    incident = Incident.objects.create(exchange_id=job.exchange_id, job=job, assignment=assignment,
                                       reported_by=by, text=text.strip()[:4000])
    audit_log(actor=by, action="marketplace.incident.reported", target=incident, exchange_id=job.exchange_id)
    notify.incident_reported(incident=incident)
    return incident


@transaction.atomic
def job_request_again(*, assignment: Assignment, by: User, data: dict) -> Job:
    """The provider asks for the same teen again: a new job, offered to her first."""
    from .jobs import job_create

    assignment = Assignment.objects.select_related("job__provider", "job__category", "teen").get(pk=assignment.pk)
    if assignment_side(user=by, assignment=assignment) not in ("provider", "coordinator"):
        raise Conflict(_("Das ist nicht Ihre Vermittlung."))
    if assignment.status != AssignmentStatus.DONE:
        raise Conflict(_("Das geht nach einem erledigten Einsatz."))
    old = assignment.job
    base = {"category": old.category.slug, "title": old.title, "description": old.description,
            "street": old.street, "postcode": old.postcode_id, "helpers_needed": 1,
            "hourly_rate": old.hourly_rate, "fixed_amount": old.fixed_amount}
    # Set at creation: a job that opens at once is offered to her alone while it is hers.
    return job_create(provider=old.provider, by=by, data={**base, **data}, preferred_teen=assignment.teen)


def ical_for_teen(*, teen, now: datetime | None = None) -> str:
    """The teen's confirmed jobs as an iCalendar file (RFC 5545). Only what she may see: the
    exact address is hers once the match is confirmed."""
    now = now or timezone.now()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Taschengeldboerse//DE", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:Taschengeldbörse"]
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for a in (teen.assignments.filter(status__in=[AssignmentStatus.CONFIRMED, AssignmentStatus.DONE])
              .select_related("job__postcode", "job__provider").order_by("starts_at")):
        job = a.job
        lines += [
            "BEGIN:VEVENT",
            f"UID:assignment-{a.pk}@taschengeldboerse",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{a.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{a.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            "SUMMARY:" + _ical_escape(job.title),
            "LOCATION:" + _ical_escape(f"{job.street}, {job.postcode_id} {job.postcode.place}"),
            "DESCRIPTION:" + _ical_escape(_("Bei %(name)s, Telefon %(phone)s") % {
                "name": f"{job.provider.first_name} {job.provider.last_name}", "phone": job.provider.phone}),
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _ical_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets are folded."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        b = char.encode()
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += b
    parts.append(current.decode())
    return "\r\n ".join(parts)
