"""Message texts: one folder of templates per kind (`templates/notifications/<kind>/`), in the
recipient's language, for e-mail (subject, plain text, HTML), SMS and the in-app inbox (short).

`KINDS` lists every kind with whether a person may switch it off (optional kinds carry a
one-click unsubscribe link) and its label for the preferences page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Kind:
    label: str
    optional: bool


KINDS: dict[str, Kind] = {
    "job.new_fitting": Kind(_("Neue passende Aufträge"), True),
    "job.digest": Kind(_("Tägliche Übersicht neuer Aufträge"), True),
    "application.new": Kind(_("Neue Bewerbung auf Ihren Auftrag"), False),
    "application.accepted": Kind(_("Zusage"), False),
    "application.declined": Kind(_("Absage"), False),
    "application.closed": Kind(_("Auftrag schon vergeben"), False),
    "job.changed": Kind(_("Auftrag geändert"), False),
    "job.cancelled": Kind(_("Auftrag abgesagt"), False),
    "assignment.reminder": Kind(_("Erinnerung an einen Einsatz"), True),
    "assignment.cancelled": Kind(_("Einsatz abgesagt"), False),
    "parent.job_confirmed": Kind(_("Information der Eltern über einen Einsatz"), False),
    "feedback.requested": Kind(_("Bitte um Bewertung"), True),
    "verification.consent_requested": Kind(_("Einwilligung angefragt"), False),
    "verification.consent_given": Kind(_("Einwilligung erteilt"), False),
    "verification.activated": Kind(_("Freigeschaltet"), False),
    "coordination.unfilled_job": Kind(_("Unbesetzter Auftrag kurz vor Beginn"), False),
    "coordination.incident": Kind(_("Problemmeldung"), False),
    "broadcast": Kind(_("Nachricht der Koordination"), True),
}


def unsubscribe_token(notification) -> str:
    return signing.dumps({"u": notification.user_id, "k": notification.kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(notification) -> str:
    return settings.SITE_URL + reverse("notification_unsubscribe", args=[unsubscribe_token(notification)])


def render(notification, channel: str) -> tuple[str, str, str]:
    """(subject, text, html) of a notification for `channel` ("email", "sms" or "inapp")."""
    kind = KINDS.get(notification.kind)
    context = {**notification.context, "notification": notification, "site_url": settings.SITE_URL,
               "recipient_name": notification.recipient_name,
               "unsubscribe_url": unsubscribe_url(notification) if kind and kind.optional and notification.user_id
               else ""}
    folder = f"notifications/{notification.kind}"
    with translation.override(notification.language or "de"):
        subject = render_to_string(f"{folder}/subject.txt", context).strip()
        if channel == "email":
            text = render_to_string(f"{folder}/body.txt", context)
            html = render_to_string(f"{folder}/body.html", context)
            return subject, text, html
        short = render_to_string(f"{folder}/short.txt", context).strip()
        return subject, short, ""
