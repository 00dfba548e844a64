"""The provider's jobs: "Hilfe anfragen" in three short steps, her list of jobs, one job with
its applicants and helpers, change and cancel, accept and decline an applicant.

Large text and plain German "Sie" throughout (body class "provider"). Every rule is in
`services/jobs.py`; these views parse, call and show the answer.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..forms_jobs import (
    STEP_FIELDS,
    JobEditForm,
    JobForm,
    ReasonForm,
    duration_text,
    money,
    step_of_service_errors,
    when_text,
)
from ..models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Job,
    JobStatus,
    ProviderStatus,
)
from ..selectors import applicants_for_job, assignment_contact
from ..services import jobs as job_services
from ..services.errors import Conflict
from ..services.jobs import CANCELLABLE, EDITABLE
from ..services.providers import provider_profile_for
from ._actions import act
from .provider import provider_required

# What the status means for her, in a sentence rather than a word.
STATUS_TEXT = {
    JobStatus.DRAFT: gettext_lazy("Noch nicht abgeschickt"),
    JobStatus.REVIEW: gettext_lazy("Die Koordination prüft Ihre Anfrage"),
    JobStatus.OPEN: gettext_lazy("Veröffentlicht – Jugendliche können sich melden"),
    JobStatus.FILLED: gettext_lazy("Hilfe gefunden"),
    JobStatus.DONE: gettext_lazy("Erledigt"),
    JobStatus.CANCELLED: gettext_lazy("Abgesagt"),
    JobStatus.EXPIRED: gettext_lazy("Abgelaufen – leider hat sich niemand gefunden"),
    JobStatus.REJECTED: gettext_lazy("Von der Koordination nicht freigegeben"),
}

# What became of an applicant she did not (or could not) take.
APPLICATION_TEXT = {
    ApplicationStatus.DECLINED: gettext_lazy("Sie haben abgesagt"),
    ApplicationStatus.WITHDRAWN: gettext_lazy("hat die Meldung zurückgezogen"),
    ApplicationStatus.CLOSED: gettext_lazy("nicht mehr nötig"),
}

WIZARD_SESSION_KEY = "provider_job_wizard"
WIZARD_LAST_JOB_KEY = "provider_job_wizard_last"
STEP_TITLES = {
    1: gettext_lazy("Wobei brauchen Sie Hilfe?"),
    2: gettext_lazy("Wann?"),
    3: gettext_lazy("Wo und wie viel?"),
}


def _own_job(request, pk: int) -> Job:
    """Her job, or 404: another provider must not learn that it exists."""
    return get_object_or_404(
        Job.objects.select_related("category", "postcode", "exchange__policy", "provider"),
        pk=pk, provider__user=request.user)


def _decorate(job: Job) -> Job:
    job.status_text = STATUS_TEXT.get(job.status, job.get_status_display())
    job.when_text = when_text(job)
    return job


# --- "Hilfe anfragen" ---------------------------------------------------------------------
#
# Three steps, each a POST that validates its own fields and keeps them in the session; the
# last one sends everything to `job_create`. An error of the service is shown on the step its
# field belongs to. The session holds the raw strings as typed, so each step shows them again.

def _wizard(request) -> dict:
    state = request.session.get(WIZARD_SESSION_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("data"), dict):
        state = {"data": {}, "done": []}
    return state


def _save_wizard(request, state: dict) -> None:
    request.session[WIZARD_SESSION_KEY] = state


def _typed(post, step: int) -> dict:
    return {name: post.get(name, "") for name in STEP_FIELDS[step] if name in post}


def _all_typed(state: dict) -> dict:
    data: dict = {}
    for step in (1, 2, 3):
        data.update(state["data"].get(str(step), {}))
    return data


def _step_url(step: int) -> str:
    return f"{reverse('provider_job_new')}?schritt={step}"


def _step_from(value, default: int = 1) -> int:
    try:
        step = int(value)
    except (TypeError, ValueError):
        return default
    return step if step in STEP_FIELDS else default


def _steps(current: int, done) -> list[dict]:
    return [{"number": n, "title": STEP_TITLES[n],
             "state": "current" if n == current else "done" if str(n) in done or n < current else "todo"}
            for n in STEP_FIELDS]


def _summary(profile, state: dict) -> dict | None:
    """What steps 1 and 2 say, in words, for the last step."""
    form = JobForm(_all_typed(state), exchange=profile.exchange, fields=(*STEP_FIELDS[1], *STEP_FIELDS[2]))
    if not form.is_valid():
        return None
    c = form.cleaned_data
    return {"category": c["category"].name, "title": c["title"], "description": c["description"],
            "when": when_text(SimpleNamespace(**form.schedule_data())), "helpers_needed": c["helpers_needed"]}


def _render_step(request, profile, step: int, form: JobForm, state: dict, *, status: int = 200):
    context = {
        "profile": profile, "exchange": profile.exchange, "policy": profile.exchange.policy,
        "step": step, "steps": _steps(step, state.get("done", [])), "step_title": STEP_TITLES[step],
        "form": form, "step_fields": form.fields_of(STEP_FIELDS[step]),
    }
    if step == 3:
        context["summary"] = _summary(profile, state)
    return render(request, f"marketplace/provider/jobs/new_step{step}.html", context, status=status)


def _first_open_step(state: dict, upto: int) -> int | None:
    for step in range(1, upto):
        if str(step) not in state.get("done", []):
            return step
    return None


@provider_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    profile = provider_profile_for(request.user)
    if "danke" in request.GET:
        return _thanks(request, profile, request.GET["danke"])
    if profile.status != ProviderStatus.ACTIVE or profile.exchange_id is None:
        # The service would refuse at the end; she should know before she starts.
        return render(request, "marketplace/provider/jobs/not_active.html",
                      {"profile": profile, "exchange": profile.exchange})
    state = _wizard(request)
    initial = {**JobForm.initial_for(profile), **_all_typed(state)}

    if request.method == "GET":
        step = _step_from(request.GET.get("schritt"))
        if (missing := _first_open_step(state, step)) is not None:
            return redirect(_step_url(missing))
        form = JobForm.for_step(step, exchange=profile.exchange, initial=initial)
        return _render_step(request, profile, step, form, state)

    step = _step_from(request.POST.get("step"))
    if step > 1 and "back" not in request.POST and (missing := _first_open_step(state, step)) is not None:
        last = request.session.get(WIZARD_LAST_JOB_KEY)
        if step == 3 and last:
            # "Anfrage absenden" clicked twice: the first click created the job.
            return redirect(f"{reverse('provider_job_new')}?danke={last}")
        return redirect(_step_url(missing))
    if "back" in request.POST:
        # Keep what she typed, valid or not, and go back one step.
        state["data"][str(step)] = _typed(request.POST, step)
        _save_wizard(request, state)
        return redirect(_step_url(max(step - 1, 1)))
    form = JobForm.for_step(step, request.POST, exchange=profile.exchange, initial=initial)
    if not form.is_valid():
        return _render_step(request, profile, step, form, state)
    state["data"][str(step)] = _typed(request.POST, step)
    if step == 3:
        # The last step is done when the service has said yes.
        _save_wizard(request, state)
        return _submit(request, profile, state)
    state["done"] = sorted({*state.get("done", []), str(step)})
    _save_wizard(request, state)
    if (missing := _first_open_step(state, step + 1)) is not None:
        return redirect(_step_url(missing))
    return redirect(_step_url(step + 1))


def _submit(request, profile, state: dict):
    typed = _all_typed(state)
    full = JobForm(typed, exchange=profile.exchange)
    if not full.is_valid():
        step = full.error_steps()[0]
        form = JobForm.for_step(step, typed, exchange=profile.exchange)
        form.is_valid()
        return _render_step(request, profile, step, form, state)
    try:
        job = job_services.job_create(provider=profile, by=request.user, data=full.service_data())
    except ValidationError as exc:
        step = step_of_service_errors(exc)
        form = JobForm.for_step(step, typed, exchange=profile.exchange)
        form.is_valid()
        form.add_service_errors(exc)
        return _render_step(request, profile, step, form, state)
    except Conflict as exc:
        messages.error(request, exc.message)
        form = JobForm.for_step(3, typed, exchange=profile.exchange)
        form.is_valid()
        return _render_step(request, profile, 3, form, state)
    request.session.pop(WIZARD_SESSION_KEY, None)
    request.session[WIZARD_LAST_JOB_KEY] = job.pk
    return redirect(f"{reverse('provider_job_new')}?danke={job.pk}")


def _thanks(request, profile, raw_pk):
    try:
        pk = int(raw_pk)
    except (TypeError, ValueError):
        raise Http404 from None
    job = get_object_or_404(Job.objects.select_related("category", "exchange__policy"), pk=pk, provider=profile)
    return render(request, "marketplace/provider/jobs/thanks.html",
                  {"job": _decorate(job), "profile": profile, "exchange": job.exchange})


# --- her jobs -----------------------------------------------------------------------------

@provider_required
def job_list(request):
    profile = provider_profile_for(request.user)
    jobs = list(
        Job.objects.filter(provider=profile).select_related("category")
        .annotate(pending_count=Count("applications", filter=Q(applications__status=ApplicationStatus.PENDING)))
        .order_by("-created_at", "-id"))
    current = [_decorate(j) for j in jobs if j.status in EDITABLE]
    past = [_decorate(j) for j in jobs if j.status not in EDITABLE]
    return render(request, "marketplace/provider/jobs/list.html",
                  {"profile": profile, "current_jobs": current, "past_jobs": past,
                   "can_post": profile.status == ProviderStatus.ACTIVE})


@provider_required
def job_detail(request, pk: int):
    job = _decorate(_own_job(request, pk))
    now = timezone.now()
    applicants = [a for a in applicants_for_job(job=job) if a["status"] != ApplicationStatus.ACCEPTED]
    assignments = list(job.assignments.select_related("teen__user").order_by("starts_at", "id"))
    rated = set(Feedback.objects.filter(assignment__job=job, author=FeedbackAuthor.PROVIDER)
                .values_list("assignment_id", flat=True))
    helpers = []
    for a in assignments:
        a.job = job  # spare a query per helper
        status = a.status
        helpers.append({
            "assignment": a,
            "first_name": a.teen.first_name,
            "contact": assignment_contact(assignment=a, viewer=request.user),
            "when": when_text(a),
            "started": now >= a.starts_at,
            "can_complete": status == AssignmentStatus.CONFIRMED and now >= a.starts_at,
            "can_cancel": status == AssignmentStatus.CONFIRMED,
            "can_rate": status in (AssignmentStatus.DONE, AssignmentStatus.NO_SHOW) and a.pk not in rated,
            "rated": a.pk in rated,
            "can_request_again": status == AssignmentStatus.DONE,
            "minutes_text": duration_text(a.minutes_worked),
            "amount_text": money(a.amount_paid),
        })
    for a in applicants:
        a["status_text"] = APPLICATION_TEXT.get(a["status"], "")
    # Once a helper has started, the job is history: it is confirmed, not changed or cancelled.
    begun = any(h["started"] and h["assignment"].status != AssignmentStatus.CANCELLED for h in helpers)
    return render(request, "marketplace/provider/jobs/detail.html", {
        "job": job,
        "pending": [a for a in applicants if a["status"] == ApplicationStatus.PENDING],
        "other_applicants": [a for a in applicants if a["status"] != ApplicationStatus.PENDING],
        "helpers": helpers,
        "can_accept": job.status == JobStatus.OPEN and job.places_left > 0,
        "can_edit": job.status in EDITABLE and not begun,
        "can_cancel": job.status in CANCELLABLE and not begun,
        "rate_text": money(job.hourly_rate) if job.hourly_rate is not None else "",
        "fixed_text": money(job.fixed_amount) if job.fixed_amount is not None else "",
    })


@provider_required
@require_http_methods(["GET", "POST"])
def job_edit(request, pk: int):
    job = _decorate(_own_job(request, pk))
    if job.status not in EDITABLE:
        messages.info(request, _("Dieser Auftrag ist %(status)s und kann nicht mehr geändert werden.")
                      % {"status": job.get_status_display().lower()})
        return redirect("provider_job", pk=job.pk)
    form = JobEditForm(request.POST if request.method == "POST" else None, job=job)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if not data:
            messages.info(request, _("Sie haben nichts geändert."))
            return redirect("provider_job", pk=job.pk)
        response = act(request, lambda: job_services.job_update(job=job, by=request.user, data=data),
                       success=_("Ihre Änderungen sind gespeichert. Ihre Helfer bekommen Bescheid.")
                       if job.helpers_accepted else _("Ihre Änderungen sind gespeichert."),
                       back=reverse("provider_job", args=[job.pk]), form=form)
        if response:
            return response
    return render(request, "marketplace/provider/jobs/edit.html", {"job": job, "form": form})


@provider_required
@require_http_methods(["GET", "POST"])
def job_cancel(request, pk: int):
    job = _decorate(_own_job(request, pk))
    if job.status not in CANCELLABLE:
        messages.info(request, _("Dieser Auftrag ist %(status)s und kann nicht mehr abgesagt werden.")
                      % {"status": job.get_status_display().lower()})
        return redirect("provider_job", pk=job.pk)
    form = ReasonForm(request.POST if request.method == "POST" else None,
                      label=_("Warum sagen Sie ab?"),
                      help_text=_("Zum Beispiel: „Hat sich erledigt“ oder „Ich bin krank“. "
                                  "Wer schon zugesagt hat, bekommt Bescheid."))
    if request.method == "POST" and form.is_valid():
        response = act(request, lambda: job_services.job_cancel(job=job, by=request.user,
                                                                 reason=form.cleaned_data["reason"]),
                       success=_("Der Auftrag ist abgesagt."), back=reverse("provider_job", args=[job.pk]),
                       form=form)
        if response:
            return response
    return render(request, "marketplace/provider/jobs/cancel.html", {"job": job, "form": form})


# --- applicants ---------------------------------------------------------------------------

def _own_application(request, pk: int) -> Application:
    return get_object_or_404(Application.objects.select_related("job", "teen"), pk=pk,
                             job__provider__user=request.user)


@provider_required
@require_POST
def application_accept(request, pk: int):
    application = _own_application(request, pk)
    job, name = application.job, application.teen.first_name
    try:
        job_services.application_accept(application=application, by=request.user)
    except Conflict as exc:
        job.refresh_from_db()
        if job.places_left <= 0 or job.status == JobStatus.FILLED:
            messages.error(request, _("Für diesen Auftrag sind schon alle Plätze vergeben. Sie können "
                                      "%(name)s deshalb nicht mehr zusagen.") % {"name": name})
        else:
            messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("%(name)s kann diesen Auftrag leider nicht mehr übernehmen: %(reasons)s")
                       % {"name": name, "reasons": " ".join(exc.messages)})
    else:
        messages.success(request, _("Sie haben %(name)s zugesagt. Unten finden Sie die Telefonnummer. "
                                    "Am besten rufen Sie kurz an und besprechen alles.") % {"name": name})
    return redirect(f"{reverse('provider_job', args=[job.pk])}#helfer")


@provider_required
@require_POST
def application_decline(request, pk: int):
    application = _own_application(request, pk)
    return act(request, lambda: job_services.application_decline(application=application, by=request.user),
               success=_("Sie haben %(name)s abgesagt.") % {"name": application.teen.first_name},
               back=reverse("provider_job", args=[application.job_id]))

