"""After the match, for both sides and the coordination: confirm the hours, "nicht erschienen",
cancel, rate, report a problem, ask for the same helper again.

Each action is a small page with one form (GET) and its POST, which calls the service in
`services/assignments.py`. Who may act is decided on the object: somebody who is not a party
of this match gets 404, as if it did not exist. Afterwards each goes back to her own page: the
provider to her job, the teen to her jobs, the coordinator to the job in her console.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms_jobs import CompleteForm, FeedbackForm, IncidentForm, ReasonForm, RequestAgainForm, when_text
from ..models import Assignment, AssignmentStatus, Feedback, FeedbackAuthor, JobStatus
from ..selectors import assignment_side
from ..services import assignments as services
from ..services.errors import Conflict
from ._actions import act

PROVIDER, TEEN, COORDINATOR = "provider", "teen", "coordinator"
EVERY_SIDE = (PROVIDER, TEEN, COORDINATOR)
BODY_CLASS = {PROVIDER: "provider", TEEN: "teen", COORDINATOR: "coordinator"}



def _load(request, pk: int, sides=EVERY_SIDE) -> tuple[Assignment, str]:
    assignment = get_object_or_404(
        Assignment.objects.select_related("job__provider", "job__category", "job__postcode", "job__exchange",
                                          "teen__user"), pk=pk)
    side = assignment_side(user=request.user, assignment=assignment)
    if side not in sides:
        raise Http404
    return assignment, side


def _back_url(assignment: Assignment, side: str) -> str:
    if side == PROVIDER:
        return reverse("provider_job", args=[assignment.job_id])
    if side == TEEN:
        return reverse("teen_assignments")
    return reverse("coordinator_job", args=[assignment.job_id])


def _back(assignment: Assignment, side: str):
    return redirect(_back_url(assignment, side))


def _page(request, template: str, assignment: Assignment, side: str, form=None, **extra):
    return render(request, f"marketplace/assignments/{template}", {
        "assignment": assignment, "job": assignment.job, "side": side, "informal": side == TEEN,
        "body_class": BODY_CLASS[side], "back_url": _back_url(assignment, side),
        "when": when_text(assignment), "form": form,
        # The provider sees the helper by her first name; the teen and the coordinator see the job.
        "helper_name": assignment.teen.first_name, **extra,
    })


def _started(assignment: Assignment) -> bool:
    return timezone.now() >= assignment.starts_at


def _not_yet(request, assignment, side):
    messages.info(request, _("Das geht erst, wenn der Einsatz begonnen hat."))
    return _back(assignment, side)


def _closed(request, assignment, side):
    messages.info(request, _("Dieser Einsatz ist %(status)s.") % {"status": assignment.get_status_display().lower()})
    return _back(assignment, side)


def _submit(request, assignment, side, form, call, success: str):
    """`act`, back to the page she came from (`form` None: an action without a form)."""
    return act(request, call, success=success, back=_back_url(assignment, side), form=form)


@login_required
@require_http_methods(["GET", "POST"])
def complete(request, pk: int):
    """The provider confirms hours and cash; the teen confirms that the job took place."""
    assignment, side = _load(request, pk)
    if request.method == "GET":
        if assignment.status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.DONE):
            return _closed(request, assignment, side)
        if not _started(assignment):
            return _not_yet(request, assignment, side)
    if side == TEEN:
        if request.method == "POST":
            return _submit(request, assignment, side, None,
                           lambda: services.assignment_complete(assignment=assignment, by=request.user),
                           _("Danke! Du hast den Einsatz bestätigt."))
        return _page(request, "complete.html", assignment, side)

    form = CompleteForm(request.POST if request.method == "POST" else None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request, assignment, side, form,
            lambda: services.assignment_complete(assignment=assignment, by=request.user,
                                                 minutes_worked=form.cleaned_data["minutes_worked"],
                                                 amount_paid=form.cleaned_data["amount_paid"]),
            _("Vielen Dank! Der Einsatz ist als erledigt eingetragen. Möchten Sie %(name)s jetzt "
              "bewerten?") % {"name": assignment.teen.first_name})
        if response:
            return response
    return _page(request, "complete.html", assignment, side, form)


@login_required
@require_http_methods(["GET", "POST"])
def no_show(request, pk: int):
    assignment, side = _load(request, pk, (PROVIDER, COORDINATOR))
    if request.method == "GET":
        if assignment.status != AssignmentStatus.CONFIRMED:
            return _closed(request, assignment, side)
        if not _started(assignment):
            return _not_yet(request, assignment, side)
    if request.method == "POST":
        return _submit(request, assignment, side, None,
                       lambda: services.assignment_no_show(assignment=assignment, by=request.user),
                       _("Eingetragen: %(name)s ist nicht gekommen. Die Koordination sieht das "
                         "und meldet sich, wenn nötig.") % {"name": assignment.teen.first_name})
    return _page(request, "no_show.html", assignment, side)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    assignment, side = _load(request, pk)
    if request.method == "GET" and assignment.status != AssignmentStatus.CONFIRMED:
        return _closed(request, assignment, side)
    if side == TEEN:
        label, help_text = _("Warum sagst du ab?"), _("Die Auftraggeberin oder der Auftraggeber bekommt Bescheid.")
    else:
        label, help_text = _("Warum sagen Sie ab?"), _("%(name)s bekommt Bescheid.") % {
            "name": assignment.teen.first_name}
    form = ReasonForm(request.POST if request.method == "POST" else None, label=label, help_text=help_text)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request, assignment, side, form,
            lambda: services.assignment_cancel(assignment=assignment, by=request.user,
                                               reason=form.cleaned_data["reason"]),
            _("Du hast den Einsatz abgesagt.") if side == TEEN else _("Der Einsatz ist abgesagt."))
        if response:
            return response
    return _page(request, "cancel.html", assignment, side, form)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, pk: int):
    assignment, side = _load(request, pk, (PROVIDER, TEEN))
    author = FeedbackAuthor.PROVIDER if side == PROVIDER else FeedbackAuthor.TEEN
    if request.method == "GET":
        if Feedback.objects.filter(assignment=assignment, author=author).exists():
            messages.info(request, _("Du hast diesen Einsatz schon bewertet.") if side == TEEN
                          else _("Sie haben diesen Einsatz schon bewertet."))
            return _back(assignment, side)
        if assignment.status not in (AssignmentStatus.DONE, AssignmentStatus.NO_SHOW):
            messages.info(request, _("Bewerten geht erst nach dem Einsatz."))
            return _back(assignment, side)
    form = FeedbackForm(request.POST if request.method == "POST" else None, informal=side == TEEN)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request, assignment, side, form,
            lambda: services.feedback_give(assignment=assignment, by=request.user,
                                           stars=form.cleaned_data["stars"], comment=form.cleaned_data["comment"]),
            _("Danke für deine Bewertung!") if side == TEEN else _("Vielen Dank für Ihre Bewertung!"))
        if response:
            return response
    return _page(request, "feedback.html", assignment, side, form)


@login_required
@require_http_methods(["GET", "POST"])
def incident(request, pk: int):
    assignment, side = _load(request, pk)
    form = IncidentForm(request.POST if request.method == "POST" else None, informal=side == TEEN)
    if request.method == "POST" and form.is_valid():
        response = _submit(
            request, assignment, side, form,
            lambda: services.incident_report(by=request.user, text=form.cleaned_data["text"], assignment=assignment),
            _("Danke, deine Meldung ist bei der Koordination angekommen. Sie meldet sich bei dir.") if side == TEEN
            else _("Vielen Dank. Ihre Meldung ist bei der Koordination angekommen. Sie kümmert sich darum und "
                   "meldet sich bei Ihnen."))
        if response:
            return response
    return _page(request, "incident.html", assignment, side, form, exchange=assignment.job.exchange)


@login_required
@require_http_methods(["GET", "POST"])
def request_again(request, pk: int):
    assignment, side = _load(request, pk, (PROVIDER, COORDINATOR))
    if assignment.status != AssignmentStatus.DONE:
        messages.info(request, _("Das geht nach einem erledigten Einsatz."))
        return _back(assignment, side)
    form = RequestAgainForm(request.POST if request.method == "POST" else None, job=assignment.job)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_request_again(assignment=assignment, by=request.user, data=form.schedule_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            name = assignment.teen.first_name
            if side == COORDINATOR:
                messages.success(request, _("Neuer Auftrag angelegt; er wird zuerst %(name)s angeboten.")
                                 % {"name": name})
                return redirect("coordinator_job", pk=job.pk)
            if job.status == JobStatus.REVIEW:
                text = _("Ihre Anfrage ist gespeichert. Sobald die Koordination sie freigegeben hat, bekommt "
                         "%(name)s sie zuerst angeboten.")
            else:
                text = _("Ihre Anfrage ist gespeichert. %(name)s bekommt sie jetzt zuerst angeboten.")
            messages.success(request, text % {"name": name})
            return redirect("provider_job", pk=job.pk)
    return _page(request, "request_again.html", assignment, side, form)
