"""Reads of the audit log for the coordinator's console (issue 6, point 6).

A coordinator reads the entries of her exchanges only (`exchange_id`), and the names on them are
resolved only through the teens and providers of her exchanges: an entry never tells her who a
person of another exchange is. Names are resolved for a whole page at once (three queries at
most, whatever the number of entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Role, User

from ..models import Job, ProviderProfile, TeenProfile
from . import exchanges_for_coordinator

# Every action the code writes, in the words of a coordinator. An action missing here shows as
# its code (tests/web/test_console_audit.py lists those that are missing).
ACTION_LABELS = {
    # views of personal data
    "marketplace.teen.viewed": _("Seite einer/eines Jugendlichen angesehen"),
    "marketplace.teen.checked_for_job": _("Eignung für einen Auftrag geprüft"),
    "marketplace.provider.viewed": _("Seite eines Auftraggebers angesehen"),
    "marketplace.job.viewed": _("Auftrag mit Bewerbungen und Vorschlägen angesehen"),
    "marketplace.proposal.viewed": _("Vermittlungsvorschlag angesehen"),
    "marketplace.audit.viewed": _("Protokoll zu einer Person angesehen"),
    "marketplace.incident.viewed": _("Problemmeldung angesehen"),
    "notifications.call_list.viewed": _("Anrufliste angesehen"),
    "notifications.failed_list.viewed": _("Liste nicht zugestellter Nachrichten angesehen"),
    "marketplace.console.searched": _("Personen und Aufträge gesucht"),
    # teens
    "marketplace.teen.activated": _("Jugendliche/n freigeschaltet"),
    "marketplace.teen.paused": _("Pausiert"),
    "marketplace.teen.resumed": _("Pause beendet"),
    "marketplace.teen.suspended": _("Jugendliche/n gesperrt"),
    "marketplace.teen.moved": _("In das Gebiet einer anderen Börse gezogen"),
    "marketplace.teen.profile_changed": _("Profil von der Koordination geändert"),
    "marketplace.teen.certificate_issued": _("Nachweis für Bewerbungen ausgestellt"),
    "marketplace.consent.requested": _("Einwilligung per E-Mail angefragt"),
    "marketplace.consent.given": _("Einwilligung erteilt"),
    "marketplace.consent.revoked": _("Einwilligung widerrufen"),
    "marketplace.consent.paper_recorded": _("Papier-Einwilligung erfasst"),
    # providers
    "marketplace.provider.created_by_coordinator": _("Auftraggeber von der Koordination erfasst"),
    "marketplace.provider.activated": _("Auftraggeber freigeschaltet"),
    "marketplace.provider.suspended": _("Auftraggeber gesperrt"),
    "marketplace.provider.profile_changed": _("Profil von der Koordination geändert"),
    # jobs
    "marketplace.job.created": _("Auftrag erstellt"),
    "marketplace.job.approved": _("Auftrag freigegeben"),
    "marketplace.job.rejected": _("Auftrag abgelehnt"),
    "marketplace.job.changed": _("Auftrag geändert"),
    "marketplace.job.cancelled": _("Auftrag abgesagt"),
    "marketplace.job.expired": _("Auftrag ohne Helfer abgelaufen"),
    "marketplace.job.closed": _("Auftrag begonnen, offene Bewerbungen geschlossen"),
    "marketplace.incident.reported": _("Problem gemeldet"),
    "marketplace.incident.closed": _("Problemmeldung abgeschlossen"),
    # matches
    "marketplace.application.created": _("Beworben"),
    "marketplace.application.declined": _("Bewerbung abgelehnt"),
    "marketplace.application.withdrawn": _("Bewerbung zurückgezogen"),
    "marketplace.assignment.confirmed": _("Vermittelt"),
    "marketplace.assignment.confirmed_by_teen": _("Einsatz von der/dem Jugendlichen bestätigt"),
    "marketplace.assignment.confirmed_by_provider": _("Einsatz vom Auftraggeber bestätigt"),
    "marketplace.assignment.confirmed_by_coordinator": _("Einsatz von der Koordination bestätigt"),
    "marketplace.assignment.cancelled": _("Vermittlung abgesagt"),
    "marketplace.assignment.no_show": _("Nicht erschienen"),
    "marketplace.assignment.no_show_reviewed": _("Nicht-Erscheinen nachbearbeitet"),
    "marketplace.assignment.reassigned": _("Neu vermittelt"),
    "marketplace.feedback.given": _("Bewertung abgegeben"),
    "marketplace.feedback.reviewed": _("Niedrige Bewertung nachbearbeitet"),
    "marketplace.blocked_pair.created": _("Paar gesperrt: keine Vermittlung mehr zwischen beiden"),
    "marketplace.blocked_pair.deleted": _("Sperre eines Paares aufgehoben"),
    # settings
    "marketplace.exchange.created": _("Börse angelegt"),
    "marketplace.coordinator.added": _("Zur Koordination hinzugefügt"),
    "marketplace.coordinator.settings_right_changed": _("Recht für die Einstellungen geändert"),
    "marketplace.exchange.policy_changed": _("Regeln der Börse geändert"),
    "marketplace.exchange.contact_changed": _("Kontaktdaten und Sprechzeiten geändert"),
    "marketplace.exchange.category_added": _("Art der Hilfe hinzugefügt"),
    "marketplace.exchange.category_changed": _("Art der Hilfe geändert"),
    "marketplace.exchange.holiday_added": _("Schulferien eingetragen"),
    "marketplace.exchange.holiday_deleted": _("Schulferien gelöscht"),
    # broadcasts and the rest
    "marketplace.broadcast.sent": _("Rundnachricht gesendet"),
    "notifications.call.done": _("Anruf erledigt"),
    "accounts.user.anonymised": _("Konto anonymisiert"),
    "accounts.user.deleted": _("Konto gelöscht"),
}

_VIEWS = (Q(action__endswith=".viewed") | Q(action="marketplace.teen.checked_for_job")
          | Q(action="marketplace.console.searched"))
# Groups by prefix, so that actions added later fall into their group without a change here.
ACTION_GROUPS: dict[str, tuple[str, Q]] = {
    "views": (_("Einsicht in Daten"), _VIEWS),
    "decisions": (_("Entscheidungen zu Personen und Aufträgen"),
                  (Q(action__startswith="marketplace.teen.") | Q(action__startswith="marketplace.provider.")
                   | Q(action__startswith="marketplace.consent.") | Q(action__startswith="marketplace.job.")
                   | Q(action__startswith="marketplace.incident.")) & ~_VIEWS),
    "matches": (_("Vermittlungen"),
                (Q(action__startswith="marketplace.assignment.") | Q(action__startswith="marketplace.application.")
                 | Q(action__startswith="marketplace.feedback.") | Q(action__startswith="marketplace.blocked_pair."))
                & ~_VIEWS),
    "settings": (_("Einstellungen der Börse"),
                 Q(action__startswith="marketplace.exchange.") | Q(action__startswith="marketplace.coordinator.")
                 | Q(action__startswith="marketplace.policy.") | Q(action__startswith="marketplace.category.")
                 | Q(action__startswith="marketplace.holiday.") | Q(action__startswith="marketplace.settings.")),
    "broadcasts": (_("Rundnachrichten"), Q(action__startswith="marketplace.broadcast.")),
}
# A name search finds at most this many persons; a longer name narrows it.
NAME_MATCHES = 50


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def profile_history(*, profile: TeenProfile | ProviderProfile, limit: int = 30) -> list[dict]:
    """The history on a teen's or provider's page: state changes concerning this person within
    her exchange, newest first. Views are logged too, but they would drown the decisions."""
    if profile.user_id is not None:
        entries = AuditEntry.objects.filter(subject_user_id=profile.user_id)
    else:
        entries = AuditEntry.objects.filter(target_type=profile._meta.label_lower, target_id=profile.pk)
    entries = (entries.filter(exchange_id=profile.exchange_id).exclude(action__endswith=".viewed")
               .select_related("actor")[:limit])
    return [{"entry": e, "label": action_label(e.action), "reason": (e.data or {}).get("reason", "")}
            for e in entries]


def audit_entries_for_coordinator(*, user: User, person: int | None = None, persons: dict | None = None,
                                  actor: int | None = None, group: str = "", date_from: date | None = None,
                                  date_to: date | None = None) -> QuerySet[AuditEntry]:
    """The entries of her exchanges, newest first, filtered. `persons` is what `persons_named`
    found: entries on any of them."""
    entries = (AuditEntry.objects.filter(exchange_id__in=exchanges_for_coordinator(user=user).values("pk"))
               .select_related("actor").order_by("-created_at", "-id"))
    if person is not None:
        entries = entries.filter(subject_user_id=person)
    if persons is not None:
        entries = entries.filter(
            Q(subject_user_id__in=persons["user_ids"])
            | Q(target_type=TeenProfile._meta.label_lower, target_id__in=persons["teen_ids"])
            | Q(target_type=ProviderProfile._meta.label_lower, target_id__in=persons["provider_ids"]))
    if actor is not None:
        entries = entries.filter(actor_id=actor)
    if group in ACTION_GROUPS:
        entries = entries.filter(ACTION_GROUPS[group][1])
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    return entries


def _name_q(words: list[str]) -> Q:
    q = Q()
    for word in words:
        q &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return q


def persons_named(*, user: User, text: str) -> dict:
    """Teens and providers of her exchanges whose name holds every word of `text`."""
    words = text.split()[:4]
    mine = exchanges_for_coordinator(user=user).values("pk")
    teens = list(TeenProfile.objects.filter(_name_q(words), exchange__in=mine)
                 .values_list("pk", "user_id", "exchange_id")[:NAME_MATCHES])
    providers = list(ProviderProfile.objects.filter(_name_q(words), exchange__in=mine)
                     .values_list("pk", "user_id", "exchange_id")[:NAME_MATCHES])
    return {"teen_ids": [t[0] for t in teens], "provider_ids": [p[0] for p in providers],
            "user_ids": [row[1] for row in teens + providers if row[1]],
            "exchange_ids": sorted({row[2] for row in teens + providers})}


def audit_coordinators(*, user: User) -> QuerySet[User]:
    """Who may appear as "who" in the actor filter: the coordinators of her exchanges."""
    mine = exchanges_for_coordinator(user=user).values("pk")
    return User.objects.filter(role=Role.COORDINATOR, memberships__exchange__in=mine).distinct().order_by("email")


@dataclass(frozen=True)
class Person:
    name: str
    url: str
    exchange_id: int


class People:
    """The teens and providers of her exchanges that a page of entries mentions, by account and
    by profile."""

    def __init__(self, *, teens, providers):
        self.by_user: dict[int, Person] = {}
        self.teens: dict[int, Person] = {}
        self.providers: dict[int, Person] = {}
        for profile in teens:
            person = Person(str(profile), reverse("coordinator_teen", args=[profile.pk]), profile.exchange_id)
            self.teens[profile.pk] = person
            if profile.user_id:
                self.by_user[profile.user_id] = person
        for profile in providers:
            person = Person(str(profile), reverse("coordinator_provider", args=[profile.pk]), profile.exchange_id)
            self.providers[profile.pk] = person
            if profile.user_id:
                self.by_user[profile.user_id] = person

    def subject(self, entry: AuditEntry, job_providers: dict[int, int]) -> Person | None:
        if entry.subject_user_id is not None:
            return self.by_user.get(entry.subject_user_id)
        if entry.target_type == TeenProfile._meta.label_lower:
            return self.teens.get(entry.target_id)
        if entry.target_type == ProviderProfile._meta.label_lower:
            return self.providers.get(entry.target_id)
        if entry.target_type == Job._meta.label_lower and entry.target_id in job_providers:
            return self.providers.get(job_providers[entry.target_id])
        return None


def audit_rows(*, user: User, entries, extra_user_ids=()) -> tuple[list[dict], People]:
    """The page's entries as rows (when, who, what, on whom, why) with the names resolved in
    bulk; also the `People` found, for the names of `extra_user_ids` (the person filtered by)."""
    entries = list(entries)
    mine = exchanges_for_coordinator(user=user).values("pk")
    user_ids = {e.subject_user_id for e in entries if e.subject_user_id is not None}
    user_ids |= {e.actor_id for e in entries if e.actor_id and e.actor.role in (Role.TEEN, Role.PROVIDER)}
    user_ids |= set(extra_user_ids)
    teen_ids = {e.target_id for e in entries if e.target_type == TeenProfile._meta.label_lower}
    provider_ids = {e.target_id for e in entries if e.target_type == ProviderProfile._meta.label_lower}
    job_ids = {e.target_id for e in entries if e.target_type == Job._meta.label_lower and e.subject_user_id is None}
    job_providers = dict(Job.objects.filter(pk__in=job_ids, exchange__in=mine)
                         .values_list("pk", "provider_id")) if job_ids else {}
    provider_ids |= set(job_providers.values())
    fields = ("id", "user_id", "exchange_id", "first_name", "last_name")
    teens = (TeenProfile.objects.filter(Q(user_id__in=user_ids) | Q(pk__in=teen_ids), exchange__in=mine)
             .only(*fields) if user_ids or teen_ids else [])
    providers = (ProviderProfile.objects.filter(Q(user_id__in=user_ids) | Q(pk__in=provider_ids), exchange__in=mine)
                 .only(*fields) if user_ids or provider_ids else [])
    people = People(teens=teens, providers=providers)
    rows = []
    for entry in entries:
        actor = entry.actor
        if actor is None:
            who = {"name": gettext("System"), "url": ""}
        elif actor.role in (Role.TEEN, Role.PROVIDER):
            person = people.by_user.get(actor.pk)
            who = ({"name": person.name, "url": person.url} if person
                   else {"name": gettext("Konto Nr. %(id)s") % {"id": actor.pk}, "url": ""})
        else:
            who = {"name": actor.email, "url": ""}
        data = entry.data if isinstance(entry.data, dict) else {}
        rows.append({
            "entry": entry, "who": who, "what": action_label(entry.action),
            "subject": people.subject(entry, job_providers),
            "subject_id": entry.subject_user_id,
            "reason": data.get("reason") or "",
            "recipients": data.get("recipients") if entry.action == "marketplace.broadcast.sent" else None,
        })
    return rows, people
