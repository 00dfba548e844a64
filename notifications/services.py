"""Writing notifications (`notify`) and the state changes of a row (claim, sent, failed).

`notify` is called by the marketplace inside the transaction of the change it reports. It
writes one outbox row per recipient and channel, keyed so that the same event can never be
written (and so sent) twice, and enqueues the send after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from celery.exceptions import Retry
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import Channel, Notification, Preference, Status

BERLIN = ZoneInfo("Europe/Berlin")
# § 14 JArbSchG's night hours, applied to messages too: nothing that buzzes a minor's phone
# between 20:00 and 08:00; e-mail and the in-app inbox are quiet by nature and go at once.
QUIET_FROM, QUIET_UNTIL = time(20, 0), time(8, 0)
NOISY_CHANNELS = {Channel.SMS, Channel.CALL}
MAX_ATTEMPTS = 8
# A claim this old belongs to a worker that died (the hard task time limit is 5 minutes): the
# sweep re-enqueues it and the next claim takes it over.
STALE_CLAIM = timedelta(minutes=10)
# Rows per task when an event (or the sweep) enqueues many at once: one message, one claim and
# one database connection for all of them instead of one each.
BATCH_SIZE = 25
# Publishing to a broker that is down: one quick retry (a dropped connection is opened anew),
# not Celery's default of three; then the rows wait for the sweep, and so do the rows of the
# next BROKER_PAUSE_SECONDS in this process.
ENQUEUE_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BROKER_PAUSE_SECONDS = 10
_broker_failed_at: float | None = None

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """Who gets a notification and how she can be reached. `channels` are the ways the
    caller offers (e.g. the provider's contact preference); the person's own preferences
    switch some of them off."""

    user_id: int | None = None
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = "de"
    is_minor: bool = False
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.INAPP)
    key: str = ""  # identifies the recipient in the row key when there is no account


@dataclass
class Event:
    kind: str
    key: str  # unique per occurrence, e.g. "application.accepted:123"
    context: dict = field(default_factory=dict)
    exchange_id: int | None = None


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours if `now` falls in them, else None."""
    local = timezone.localtime(now, BERLIN)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=BERLIN)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, tzinfo=BERLIN)
    return None


def _disabled(user_ids, kind) -> set[tuple[int, str]]:
    return set(Preference.objects.filter(user_id__in=[u for u in user_ids if u], kind=kind, enabled=False)
               .values_list("user_id", "channel"))


def notify(event: Event, recipients: list[Recipient], *, now: datetime | None = None) -> list[Notification]:
    """Write the outbox rows of `event` for `recipients` and send them after commit. A row that
    exists already (same recipient, event and channel) is not written again."""
    now = now or timezone.now()
    off = _disabled([r.user_id for r in recipients], event.kind)
    rows = []
    for recipient in recipients:
        who = f"u{recipient.user_id}" if recipient.user_id else (recipient.key or recipient.email or recipient.phone)
        for channel in recipient.channels:
            if (recipient.user_id, channel) in off:
                continue
            if channel == Channel.INAPP and not recipient.user_id:
                continue
            not_before = quiet_until(now) if recipient.is_minor and channel in NOISY_CHANNELS else None
            rows.append(Notification(
                user_id=recipient.user_id, recipient_name=recipient.name, recipient_email=recipient.email,
                recipient_phone=recipient.phone, language=recipient.language,
                recipient_is_minor=recipient.is_minor, exchange_id=event.exchange_id, kind=event.kind,
                channel=channel, context=event.context, key=f"{event.key}:{who}:{channel}"[:200],
                not_before=not_before, created_at=now,
            ))
    created = _insert_new(rows)
    ids = [row.pk for row in created if row.not_before is None]
    if ids:
        transaction.on_commit(lambda: notifications_enqueue(ids))
    return created


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose key is new; returns them with their ids. An event with many
    recipients (a new job for 200 teens) costs one SELECT and one INSERT, not a savepoint and an
    INSERT per row; only when a concurrent call wrote one of the keys in between does it fall
    back to one savepoint per row."""
    if not rows:
        return []
    existing = _existing_keys([row.key for row in rows])
    new, seen = [], set()
    for row in rows:
        if row.key not in existing and row.key not in seen:
            seen.add(row.key)
            new.append(row)
    if not new:
        return []
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction intact
            return Notification.objects.bulk_create(new)
    except IntegrityError:
        pass
    created = []
    for row in new:
        row.pk = None
        row._state.adding = True
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue
        created.append(row)
    return created


def _existing_keys(keys: list[str]) -> set[str]:
    return set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))


def notifications_enqueue(ids: list[int]) -> None:
    """Hand the rows to the broker, up to BATCH_SIZE ids per task (an event for many recipients
    is one message, not one per row). If the broker is down, the rows stay pending and the sweep
    sends them later: the change that caused them has been committed and must not fail, nor wait
    long. After a failure this process does not try again for BROKER_PAUSE_SECONDS, so that
    every request during an outage does not wait for the broker anew."""
    global _broker_failed_at
    from .tasks import send_notification, send_notifications

    if _broker_failed_at is not None and monotonic() - _broker_failed_at < BROKER_PAUSE_SECONDS:
        logger.info("broker failed lately; %s notifications left to the sweep", len(ids))
        return
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start:start + BATCH_SIZE]
        try:
            if len(chunk) == 1:
                send_notification.apply_async((chunk[0],), retry_policy=ENQUEUE_RETRY_POLICY)
            else:
                send_notifications.apply_async((chunk,), retry_policy=ENQUEUE_RETRY_POLICY)
        except (KombuOperationalError, OSError):  # the broker is unreachable: the sweep will pick them up
            _broker_failed_at = monotonic()
            logger.warning("broker unreachable; %s notifications left to the sweep", len(ids) - start)
            return
        except Retry:  # an eager task (no broker) met a temporary failure: the row waits for its retry
            continue
        except Exception:  # noqa: BLE001 - an eager task that failed: the row says why, the sweep retries
            logger.exception("could not send notifications %s; left to the sweep", chunk)
    _broker_failed_at = None


def notification_claim(pk: int, *, now: datetime | None = None, stale_after: timedelta = STALE_CLAIM):
    """Take a row for sending with one conditional UPDATE: pending (or a claim so old that its
    worker must have died) → sending. Returns the row, or None when another worker has it, it
    is done, or its time has not come."""
    rows = notifications_claim([pk], now=now, stale_after=stale_after)
    return rows[0] if rows else None


# The state marks of a row (claimed, sent, failed) are written by hand-written single UPDATE
# statements: every send pays for them, and the ORM's compiling took more time than the database.
#
# On PostgreSQL they also commit without waiting for the disk: the extra condition below sets
# synchronous_commit off for the statement's own transaction (as SET LOCAL would, without a
# BEGIN, a SET and a COMMIT of its own). Every row the UPDATE changes has passed that condition,
# so it has taken effect whenever a row was changed. The trade is safe in one direction only,
# and it is the one we want: a crash of the database server itself can forget the last fraction
# of a second of marks, which turns a sent row back into a claimed or pending one that the sweep
# sends again (a duplicate) but never loses one, because the row itself is written by `notify`
# in the caller's transaction, which stays synchronous. A worker that dies loses nothing either
# way. Inside a transaction of the caller (eager tasks) the caller's commit decides.
_RELAXED_COMMIT = " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"


def _mark(pks: list[int], assignments: str, params: list, condition: str, condition_params: list,
          *, returning: bool = False):
    """UPDATE the rows `pks` that meet `condition`: SET `assignments`; returns the changed rows
    (`returning`) or their number. Column names are given as {field} and quoted here."""
    ops = connection.ops
    columns = {f.name: ops.quote_name(f.column) for f in Notification._meta.concrete_fields}
    relaxed = _RELAXED_COMMIT if connection.vendor == "postgresql" and connection.get_autocommit() else ""
    sql = (f"UPDATE {ops.quote_name(Notification._meta.db_table)} SET {assignments.format(**columns)} "  # noqa: S608
           f"WHERE {columns['id']} IN ({', '.join(['%s'] * len(pks))}) AND ({condition.format(**columns)})"
           f"{relaxed}")
    params = [*params, *pks, *condition_params]
    if returning:
        return list(Notification.objects.raw(sql + " RETURNING *", params))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _stamp(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def notifications_claim(pks: list[int], *, now: datetime | None = None,
                        stale_after: timedelta = STALE_CLAIM) -> list[Notification]:
    """`notification_claim` for many rows at once: those of `pks` that could be taken, by id.
    UPDATE … RETURNING takes and reads them in one round trip (PostgreSQL, SQLite ≥ 3.35)."""
    if not pks:
        return []
    now = now or timezone.now()
    rows = _mark(pks, "{status} = %s, {claimed_at} = %s, {attempts} = {attempts} + 1",
                 [Status.SENDING, _stamp(now)],
                 "({status} = %s OR ({status} = %s AND {claimed_at} < %s)) "
                 "AND ({not_before} IS NULL OR {not_before} <= %s)",
                 [Status.PENDING, Status.SENDING, _stamp(now - stale_after), _stamp(now)], returning=True)
    return sorted(rows, key=lambda row: row.pk)


def notifications_release(notifications: list[Notification]) -> None:
    """Hand claimed rows back untried (a batch that ran out of time): pending again, and the
    claim's attempt not counted."""
    if notifications:
        _mark([n.pk for n in notifications], "{status} = %s, {attempts} = {attempts} - 1, {claimed_at} = NULL",
              [Status.PENDING], "{status} = %s", [Status.SENDING])


def notification_sent(notification: Notification) -> None:
    _mark([notification.pk], "{status} = %s, {sent_at} = %s, {last_error} = ''",
          [Status.SENT, _stamp(timezone.now())], "{status} = %s", [Status.SENDING])


def notification_failed(notification: Notification, error: str, *, final: bool,
                        retry_in: timedelta | None = None) -> None:
    """A temporary failure goes back to pending, due again after `retry_in` (the task retries
    then, and the sweep respects it); the last one is final and shows on the coordinator's list.
    Only our own claim is changed: a row that a later claim has sent meanwhile stays sent."""
    not_before = None if final or retry_in is None else _stamp(timezone.now() + retry_in)
    _mark([notification.pk], "{status} = %s, {last_error} = %s, {not_before} = %s",
          [Status.FAILED if final else Status.PENDING, error[:2000], not_before], "{status} = %s", [Status.SENDING])


def notification_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_due(*, now: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Rows to (re-)enqueue: pending ones that no worker took within `older_than` of their
    creation or due time (broker down at commit, quiet hours over), and claims whose worker died."""
    now = now or timezone.now()
    pending = Notification.objects.filter(status=Status.PENDING).filter(
        Q(not_before__isnull=True, created_at__lt=now - older_than) | Q(not_before__lte=now))
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    # Oldest first: when more than a batch is due, what has waited longest goes first.
    return (list(pending.order_by("pk").values_list("pk", flat=True)[:5000])
            + list(stale.order_by("pk").values_list("pk", flat=True)[:5000]))


# --- The inbox, preferences and call tasks (web and API) -----------------------------------


def notifications_read_all(*, user) -> int:
    """Mark every unread in-app message of `user` read; returns how many."""
    return Notification.objects.filter(user=user, channel=Channel.INAPP, read_at__isnull=True).update(
        read_at=timezone.now())


def preferences_set(*, user, choices: dict[tuple[str, str], bool]) -> None:
    """Store `user`'s choices {(kind, channel): enabled}. A mandatory message (an acceptance,
    the parents' information) must always arrive: it cannot be switched off on any channel; SMS
    can be added to it (and taken back, which removes the addition)."""
    from .texts import KINDS

    for kind, channel in choices:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind}")
        if channel not in Channel.values:
            raise ValueError(f"unknown channel {channel}")
        if not KINDS[kind].optional and channel != Channel.SMS:
            raise ValueError(f"{kind} cannot be switched off")
    with transaction.atomic():
        for (kind, channel), enabled in choices.items():
            if not KINDS[kind].optional and not enabled:
                Preference.objects.filter(user=user, kind=kind, channel=channel).delete()
            else:
                Preference.objects.update_or_create(user=user, kind=kind, channel=channel,
                                                    defaults={"enabled": enabled})


def notification_unsubscribe(*, user_id: int, kind: str) -> bool:
    """The one-click unsubscribe of an e-mail: switch `kind` off on e-mail for that person.
    False when the link cannot apply (account gone, kind not optional)."""
    from .texts import KINDS

    if kind not in KINDS or not KINDS[kind].optional:
        return False
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(pk=user_id).exists():
        return False
    Preference.objects.update_or_create(user_id=user_id, kind=kind, channel=Channel.EMAIL,
                                        defaults={"enabled": False})
    return True


def call_task_done(*, notification: Notification, by) -> bool:
    """Tick a call task off. Only a coordinator of its exchange may; a conditional UPDATE so
    that two coordinators ticking at once record the first. False when it was done already."""
    if notification.channel != Channel.CALL or not by.memberships.filter(
            exchange_id=notification.exchange_id).exists():
        raise Notification.DoesNotExist
    now = timezone.now()
    done = Notification.objects.filter(pk=notification.pk, done_at__isnull=True).update(done_at=now, done_by=by)
    if done:
        from accounts.services import audit_log

        notification.done_at, notification.done_by = now, by
        audit_log(actor=by, action="notifications.call.done", target=notification,
                  exchange_id=notification.exchange_id, subject_user_id=notification.user_id)
    return bool(done)
