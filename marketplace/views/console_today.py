"""The coordinator's "Today" page: every queue of her exchanges, oldest first, and the three
follow-ups done from it (close a problem report, mark a low rating as seen, a no-show as
followed up).

Like the rest of the console: the coordinator role or 403; every object is looked up through her
exchanges, so one of another exchange is a 404 (STYLE habit 6); the rules are in
`services.followups`, the reads in `selectors.today`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.services import audit_log

from ..models import Assignment, Feedback, Incident, Job, JobStatus, ProviderStatus, TeenStatus
from ..selectors import exchanges_for_coordinator
from ..selectors import today as today_selectors
from ..selectors.today import today_queues
from ..services.errors import Conflict
from ..services.followups import (
    RESOLUTION_MAX_LENGTH,
    feedback_mark_reviewed,
    incident_close,
    no_show_mark_reviewed,
    resolution_required_message,
)
from .coordinator import coordinator_required

TODAY_LIMIT = 10

# What can go wrong today first, then what waits for a decision, then the follow-ups.
PAGE_ORDER = (
    today_selectors.UNFILLED, today_selectors.CALLS, today_selectors.INCIDENTS, today_selectors.REVIEW,
    today_selectors.PROVIDERS, today_selectors.DECISION, today_selectors.INTAKE, today_selectors.CONSENT,
    today_selectors.NO_SHOWS, today_selectors.LOW_RATINGS, today_selectors.FAILED,
)


class IncidentCloseForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Was wurde unternommen?"), max_length=RESOLUTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Bleibt bei der Meldung für Ihre Kolleginnen und Kollegen sichtbar."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].error_messages["required"] = resolution_required_message()


def _presentations(counts: dict[str, int], open_jobs: int) -> dict[str, dict]:
    """Per queue: heading, hint, the way to the full list and the words for an empty queue."""
    teens_url = reverse("coordinator_teens")
    jobs_url = reverse("coordinator_jobs")
    teens_link = _("Zur Liste der Jugendlichen")
    providers, review, calls, failed = (counts[key] for key in (
        today_selectors.PROVIDERS, today_selectors.REVIEW, today_selectors.CALLS, today_selectors.FAILED))

    return {
        today_selectors.CONSENT: {
            "title": _("Jugendliche: Einwilligung der Eltern fehlt"),
            "hint": _("Der Link ging an die Eltern; ohne ihre Einwilligung geht es nicht weiter."),
            "url": f"{teens_url}?status={TeenStatus.CONSENT_PENDING}", "link": teens_link,
            "empty": _("Niemand wartet auf eine Einwilligung."), "template": "teen"},
        today_selectors.INTAKE: {
            "title": _("Jugendliche: Kennenlerngespräch vereinbaren"),
            "hint": _("Die Einwilligung liegt vor (oder ist nicht nötig); es fehlt das Gespräch."),
            "url": f"{teens_url}?status={TeenStatus.INTAKE_PENDING}", "link": teens_link,
            "empty": _("Niemand wartet auf ein Kennenlerngespräch."), "template": "teen"},
        today_selectors.DECISION: {
            "title": _("Jugendliche: warten auf Ihre Freigabe"),
            "hint": _("Das Gespräch ist geführt oder nach den Regeln nicht nötig: freischalten oder ablehnen."),
            "url": f"{teens_url}?status={TeenStatus.INTAKE_PENDING}", "link": teens_link,
            "empty": _("Niemand wartet auf eine Freigabe."), "template": "teen"},
        today_selectors.PROVIDERS: {
            "title": _("Auftraggeber prüfen"),
            "url": f"{reverse('coordinator_providers')}?status={ProviderStatus.PENDING}",
            "link": ngettext("%(count)s Auftraggeber/in wartet auf Prüfung",
                             "%(count)s Auftraggeber/innen warten auf Prüfung", providers)
            % {"count": providers},
            "empty": _("Niemand wartet auf eine Prüfung."), "template": "provider"},
        today_selectors.REVIEW: {
            "title": _("Aufträge prüfen"),
            "url": f"{jobs_url}?status={JobStatus.REVIEW}",
            "link": ngettext("%(count)s Auftrag wartet auf Prüfung",
                             "%(count)s Aufträge warten auf Prüfung", review)
            % {"count": review},
            "empty": _("Kein Auftrag wartet auf Prüfung."), "template": "review"},
        today_selectors.UNFILLED: {
            "title": _("Beginnen in 48 Stunden, Helfer fehlen"),
            "hint": _("Auf der Seite des Auftrags stehen die passenden Jugendlichen, die besten zuerst, "
                      "mit „Direkt vermitteln“."),
            "url": f"{jobs_url}?status={JobStatus.OPEN}",
            "link": ngettext("%(count)s offener Auftrag sucht Helfer",
                             "%(count)s offene Aufträge suchen Helfer", open_jobs) % {"count": open_jobs},
            "show_link": open_jobs > 0,
            "empty": _("Alle Aufträge der nächsten 48 Stunden sind besetzt."), "template": "unfilled"},
        today_selectors.CALLS: {
            "title": _("Anrufe"),
            "hint": _("Nachrichten an Menschen, die telefonisch benachrichtigt werden möchten."),
            "url": reverse("notification_call_list"),
            "link": ngettext("%(count)s Anruf auf der Anrufliste",
                             "%(count)s Anrufe auf der Anrufliste", calls)
            % {"count": calls},
            "empty": _("Keine offenen Anrufe."), "template": "call"},
        today_selectors.INCIDENTS: {
            "title": _("Gemeldete Probleme"),
            "empty": _("Keine offenen Meldungen."), "template": "incident"},
        today_selectors.LOW_RATINGS: {
            "title": _("Schlechte Bewertungen"),
            "hint": _("Ein oder zwei Sterne: Fragen Sie nach, was los war."),
            "empty": _("Keine schlechte Bewertung offen."), "template": "rating"},
        today_selectors.NO_SHOWS: {
            "title": _("Nicht erschienen"),
            "hint": _("Fragen Sie bei beiden Seiten nach und vermerken Sie es dann."),
            "empty": _("Kein Nichterscheinen offen."), "template": "no_show"},
        today_selectors.FAILED: {
            "title": _("Nicht zugestellte Nachrichten"),
            "url": reverse("notification_failed"),
            "link": ngettext("%(count)s Nachricht nicht zugestellt",
                             "%(count)s Nachrichten nicht zugestellt", failed)
            % {"count": failed},
            "empty": _("Alle Nachrichten sind zugestellt."), "template": "failed"},
    }


@coordinator_required
@require_safe
def home(request):
    user = request.user
    exchanges = list(exchanges_for_coordinator(user=user))
    queues = today_queues(user=user, limit=TODAY_LIMIT)
    open_jobs = Job.objects.filter(exchange__in=exchanges_for_coordinator(user=user), status=JobStatus.OPEN).count()
    presentations = _presentations({key: queue.count for key, queue in queues.items()}, open_jobs)
    sections = []
    for key in PAGE_ORDER:
        queue = queues[key]
        section = {"key": key, "anchor": f"warteschlange-{key.replace('_', '-')}", "queue": queue,
                   **presentations[key]}
        section.setdefault("show_link", bool(section.get("url")) and queue.count > 0)
        section["template"] = f"marketplace/coordinator/_today_{section['template']}.html"
        sections.append(section)
    return render(request, "marketplace/coordinator/home.html", {
        "exchanges": exchanges,
        "several_exchanges": len(exchanges) > 1,
        "sections": sections,
        "all_due": all(section["queue"].count for section in sections),
        "waiting": sum(queue.count for queue in queues.values()),
        "job_counts": {"review": queues[today_selectors.REVIEW].count, "open": open_jobs},
    })


# --- Problem reports --------------------------------------------------------------------------


def _incidents(user):
    return (Incident.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
            .select_related("exchange", "job__provider", "job__category", "job__postcode", "assignment__teen",
                            "reported_by__teen_profile", "reported_by__provider_profile", "closed_by"))


def _reporter_name(incident: Incident) -> str:
    user = incident.reported_by
    if user is None:
        return _("(gelöschtes Konto)")
    for attribute in ("teen_profile", "provider_profile"):
        profile = getattr(user, attribute, None)
        if profile is not None:
            return f"{profile.first_name} {profile.last_name}".strip() or user.email
    return user.email


def _render_incident(request, incident: Incident, form: IncidentCloseForm, status: int = 200):
    # DESIGN section 8: the report is about named people; reading it is on record.
    audit_log(actor=request.user, action="marketplace.incident.viewed", target=incident,
              exchange_id=incident.exchange_id,
              subject_user_id=incident.assignment.teen.user_id if incident.assignment_id else None)
    return render(request, "marketplace/coordinator/today_incident.html", {
        "incident": incident,
        "form": form,
        "reporter": _reporter_name(incident),
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
    }, status=status)


@coordinator_required
@require_safe
def incident_detail(request, pk: int):
    incident = get_object_or_404(_incidents(request.user), pk=pk)
    return _render_incident(request, incident, IncidentCloseForm())


@coordinator_required
@require_POST
def incident_close_view(request, pk: int):
    incident = get_object_or_404(_incidents(request.user), pk=pk)
    form = IncidentCloseForm(request.POST)
    if form.is_valid():
        try:
            incident_close(incident=incident, by=request.user, resolution=form.cleaned_data["resolution"])
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
        except Conflict as exc:
            messages.info(request, exc.message)
            return redirect("coordinator_home")
        else:
            messages.success(request, _("Die Meldung ist erledigt und steht nicht mehr auf der Liste."))
            return redirect("coordinator_home")
    return _render_incident(request, incident, form)


# --- Low ratings and no-shows -----------------------------------------------------------------


@coordinator_required
@require_POST
def feedback_reviewed(request, pk: int):
    feedback = get_object_or_404(
        Feedback.objects.filter(assignment__job__exchange__in=exchanges_for_coordinator(user=request.user)), pk=pk)
    try:
        feedback_mark_reviewed(feedback=feedback, by=request.user)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("Die Bewertung ist als gesehen vermerkt."))
    return redirect("coordinator_home")


@coordinator_required
@require_POST
def no_show_reviewed(request, pk: int):
    assignment = get_object_or_404(
        Assignment.objects.filter(job__exchange__in=exchanges_for_coordinator(user=request.user))
        .select_related("teen"), pk=pk)
    try:
        no_show_mark_reviewed(assignment=assignment, by=request.user)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("Das Nichterscheinen von %(name)s ist als nachgehalten vermerkt.")
                         % {"name": assignment.teen.first_name})
    return redirect("coordinator_home")


urlpatterns = [
    path("koordination/", home, name="coordinator_home"),
    path("koordination/meldungen/<int:pk>/", incident_detail, name="coordinator_incident"),
    path("koordination/meldungen/<int:pk>/erledigen/", incident_close_view, name="coordinator_incident_close"),
    path("koordination/bewertungen/<int:pk>/gesehen/", feedback_reviewed, name="coordinator_feedback_reviewed"),
    path("koordination/nicht-erschienen/<int:pk>/nachgehalten/", no_show_reviewed,
         name="coordinator_no_show_reviewed"),
]
