"""Reads that the web pages, the API and the navigation share.

Coordinators see the rows of their exchanges: the exchange ids come from the user's
memberships (an accounts/marketplace relation read as plain ids), so this app imports no
marketplace model (DESIGN section 9).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.template import TemplateDoesNotExist

from .models import Channel, Notification, Status
from .texts import KINDS, render


def inbox_for(*, user) -> QuerySet[Notification]:
    """The person's in-app messages, newest first. A row the sender withdrew (cancelled) is not
    a message; a pending one is: the in-app "send" only marks what is already there."""
    return (Notification.objects.filter(user=user, channel=Channel.INAPP)
            .exclude(status=Status.CANCELLED).order_by("-created_at", "-id"))


def unread_count(*, user) -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()


def coordinator_exchange_ids(user):
    """The ids of the exchanges `user` coordinates, as a subquery (no query of its own)."""
    return user.memberships.values("exchange_id")


def call_tasks_of(*, user) -> QuerySet[Notification]:
    """Every call task of her exchanges, whatever its state."""
    return Notification.objects.filter(channel=Channel.CALL, exchange_id__in=coordinator_exchange_ids(user))


def call_tasks_for(*, user, done: bool = False) -> QuerySet[Notification]:
    """The call list of her exchanges: open tasks oldest first (whoever waits longest is called
    first), done ones latest first. A task waiting for the end of the quiet hours or for a
    worker is not on the list yet: it must not be read out before its time."""
    tasks = call_tasks_of(user=user)
    if done:
        return tasks.filter(done_at__isnull=False).select_related("done_by").order_by("-done_at", "-id")
    return tasks.filter(status=Status.SENT, done_at__isnull=True).order_by("created_at", "id")


def failed_for(*, user) -> QuerySet[Notification]:
    """Messages of her exchanges that could not be delivered after every try, newest first."""
    return (Notification.objects.filter(status=Status.FAILED, exchange_id__in=coordinator_exchange_ids(user))
            .order_by("-created_at", "-id"))


def coordination_counts(*, user) -> dict[str, int]:
    """Open call tasks and failed messages of her exchanges, in one query."""
    return Notification.objects.filter(exchange_id__in=coordinator_exchange_ids(user)).aggregate(
        calls=Count("id", filter=Q(channel=Channel.CALL, status=Status.SENT, done_at__isnull=True)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
    )


def kind_label(kind: str) -> str:
    return str(KINDS[kind].label) if kind in KINDS else kind


def notification_text(notification: Notification, channel: str = "inapp") -> tuple[str, str]:
    """(title, text) in the recipient's language. A kind whose texts are not written yet shows
    its label rather than breaking the inbox."""
    try:
        subject, text, _html = render(notification, channel)
    except TemplateDoesNotExist:
        return kind_label(notification.kind), ""
    # Plain text (the .txt templates do not escape): never let a rendered string count as safe
    # HTML, or a teen's message to a provider could carry markup into her page.
    return str.__str__(subject) or kind_label(notification.kind), str.__str__(text)
