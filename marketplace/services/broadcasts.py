"""Broadcasts: a coordinator's message to all active teens of an exchange, or to those matching a
filter (issue 6, point 3), sent through the notification outbox as kind "broadcast".

The link of a broadcast may only point into this site. The message goes to minors in the name of
the youth office; a link to elsewhere could lead them to a page we do not vouch for (and would
make their browser ask a third party, DESIGN section 8). The e-mail templates put SITE_URL in
front of it, so a path is what they need; a full URL of our own site is turned into its path.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log

from .. import notify
from ..models import Broadcast, Exchange
from ..selectors import is_coordinator_of
from ..selectors.broadcasts import (
    AGE_CLASS_CHOICES,
    broadcast_categories,
    broadcast_postcodes,
    broadcast_recipient_count,
    broadcast_recipients,
    normalise_filters,
)
from .errors import Conflict

MAX_TITLE = 120
MAX_MESSAGE = 2000
MAX_URL = 300
# The same message to the same people by the same coordinator this soon again is a double click
# or a reload of the "sent" page, not an intention.
DUPLICATE_WINDOW = timedelta(minutes=5)


def broadcast_clean_url(url: str) -> str:
    """A path of this site ("/jugendliche/auftraege/"), or "" for none. Raises ValidationError
    for anything that leads elsewhere."""
    url = (url or "").strip()
    if not url:
        return ""
    invalid = ValidationError({"url": [_("Bitte nur einen Link auf diese Website angeben, z. B. "
                                        "„/jugendliche/auftraege/“.")]})
    if len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url) or "\\" in url:
        raise invalid
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        if (parts.scheme.lower(), parts.netloc.lower()) != (site.scheme.lower(), site.netloc.lower()):
            raise invalid
        url = parts.path or "/"
        if parts.query:
            url += f"?{parts.query}"
        if parts.fragment:
            url += f"#{parts.fragment}"
    # "//host/…" is a link to another host without a scheme.
    if not url.startswith("/") or url.startswith("//"):
        raise invalid
    return url


def broadcast_validate(*, exchange: Exchange, title: str, message: str, url: str, filters: dict) -> dict:
    """The cleaned input, or a ValidationError with German messages per field."""
    # A browser sends a textarea's line breaks as CRLF; one kind of line break keeps the
    # duplicate check and the texts the same whichever way the message came.
    title, message = (title or "").strip(), (message or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Bitte einen Betreff angeben.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("Der Betreff darf höchstens %(n)s Zeichen lang sein.") % {"n": MAX_TITLE}]
    if not message:
        errors["message"] = [_("Bitte eine Nachricht schreiben.")]
    elif len(message) > MAX_MESSAGE:
        errors["message"] = [_("Die Nachricht darf höchstens %(n)s Zeichen lang sein.") % {"n": MAX_MESSAGE}]
    try:
        url = broadcast_clean_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    filters = normalise_filters(filters)
    if set(filters["age_classes"]) - {value for value, _label in AGE_CLASS_CHOICES}:
        errors["age_classes"] = [_("Bitte nur die angebotenen Altersgruppen wählen.")]
    if set(filters["postcodes"]) - set(broadcast_postcodes(exchange).values_list("code", flat=True)):
        errors["postcodes"] = [_("Bitte nur Postleitzahlen des Gebiets der Börse wählen.")]
    if set(filters["interests"]) - set(broadcast_categories(exchange).values_list("slug", flat=True)):
        errors["interests"] = [_("Bitte nur Arten der Hilfe dieser Börse wählen.")]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "message": message, "url": url, "filters": filters}


def _check_coordinator(by: User, exchange: Exchange) -> None:
    if not is_coordinator_of(user=by, exchange_id=exchange.pk):
        raise Conflict(_("Nur die Koordination dieser Börse kann ihr eine Rundnachricht schicken."))


def broadcast_preview(*, exchange: Exchange, by: User, title: str, message: str, url: str = "",
                      filters: dict) -> dict:
    """What "Senden" would do: the cleaned input and the number of recipients (never who)."""
    _check_coordinator(by, exchange)
    cleaned = broadcast_validate(exchange=exchange, title=title, message=message, url=url, filters=filters)
    return {**cleaned, "recipients": broadcast_recipient_count(exchange=exchange, filters=cleaned["filters"])}


@transaction.atomic
def broadcast_send(*, exchange: Exchange, by: User, title: str, message: str, url: str = "",
                   filters: dict) -> Broadcast:
    """Send a message to the active teens of `exchange` that `filters` selects: the Broadcast row,
    one outbox row per teen and channel and the audit entry commit together; the sending starts
    after commit. Each teen's preferences and a minor's quiet hours apply as for every message."""
    _check_coordinator(by, exchange)
    cleaned = broadcast_validate(exchange=exchange, title=title, message=message, url=url, filters=filters)
    # One broadcast of an exchange at a time: a double click's second request waits here for the
    # first to commit, and then finds it.
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    since = timezone.now() - DUPLICATE_WINDOW
    for earlier in Broadcast.objects.filter(exchange=exchange, created_by=by, created_at__gte=since):
        if ((earlier.title, earlier.message, earlier.url, normalise_filters(earlier.filters))
                == (cleaned["title"], cleaned["message"], cleaned["url"], cleaned["filters"])):
            raise Conflict(_("Diese Nachricht ist gerade eben schon gesendet worden."))
    teens = broadcast_recipients(exchange=exchange, filters=cleaned["filters"])
    if not teens:
        raise ValidationError({"__all__": [_("Mit diesen Filtern erreicht die Nachricht niemanden. "
                                             "Bitte die Auswahl erweitern.")]})
    broadcast = Broadcast.objects.create(exchange=exchange, created_by=by, recipients=len(teens), **cleaned)
    notify.broadcast_sent(broadcast=broadcast, teens=teens)
    # The message text stays out of the log: the Broadcast row keeps it.
    audit_log(actor=by, action="marketplace.broadcast.sent", target=broadcast, exchange_id=exchange.pk,
              data={"recipients": len(teens), "filters": cleaned["filters"]})
    return broadcast
