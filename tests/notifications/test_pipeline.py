"""The outbox pipeline with eager tasks: claiming, sending once, retrying, giving up, the sweep,
quiet hours and the transaction around `notify` (STYLE habit 3).

The texts are those of the test-only kind `pipeline.check` (templates beside this file), so
these tests hold whatever the wording of the real events becomes. Mail goes to Django's
in-memory backend unless a test puts a failing one in its place.
"""

import smtplib
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.channels import email as email_channel
from notifications.models import Channel, Notification, Status
from notifications.services import (
    MAX_ATTEMPTS,
    Event,
    Recipient,
    notification_claim,
    notifications_claim,
    notifications_due,
    notify,
)
from notifications.tasks import backoff, send_notification, send_notifications, sweep_outbox
from tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
KIND = "pipeline.check"
CONTEXT = {"helper": "Lena", "when": "Samstag, 10 Uhr", "title": "Rasen mähen"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pipeline_texts(settings):
    """The templates of `pipeline.check`, and a fresh SMTP connection cache per test."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}]
    email_channel.close()
    yield
    email_channel.close()


def event(key="pipeline:1", **kwargs) -> Event:
    return Event(kind=KIND, key=key, context=CONTEXT, **kwargs)


def senior(**kwargs) -> Recipient:
    return Recipient(name="Frau Schmitz", email="schmitz@example.org", channels=(Channel.EMAIL,),
                     key="senior-1", **kwargs)


def row(**fields) -> Notification:
    """An outbox row written directly (no enqueue), e-mail to a senior unless told otherwise."""
    values = {"kind": KIND, "channel": Channel.EMAIL, "recipient_email": "schmitz@example.org",
              "recipient_name": "Frau Schmitz", "context": CONTEXT, "key": f"row:{Notification.objects.count()}"}
    return Notification.objects.create(**{**values, **fields})


def keys_sent() -> list[str]:
    return [message.extra_headers["X-Notification-Key"] for message in mail.outbox]


# --- Failing mail servers, as Django e-mail backends ---------------------------------------

class FailingBackend:
    """Raises `error` on the first `failures` messages (all of them if None), then delivers to
    the in-memory outbox. Counts how often a connection was opened."""

    error: Exception = smtplib.SMTPDataError(451, b"4.3.0 Please try again later")
    failures: int | None = 1
    sent = 0
    opened = 0

    def __init__(self, **kwargs):
        self.connection = None

    def open(self):
        if self.connection is None:
            type(self).opened += 1
            self.connection = object()
            return True
        return False

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        cls = type(self)
        if cls.failures is None or cls.sent < cls.failures:
            cls.sent += 1
            raise cls.error
        cls.sent += 1
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def failing_mail(settings):
    """Installs FailingBackend (reset); the test sets `error` and `failures` on it."""
    FailingBackend.error = smtplib.SMTPDataError(451, b"4.3.0 Please try again later")
    FailingBackend.failures, FailingBackend.sent, FailingBackend.opened = 1, 0, 0
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


# --- Claiming ------------------------------------------------------------------------------

def test_a_row_can_be_claimed_only_once():
    notification = row()
    claimed = notification_claim(notification.pk)
    assert claimed.status == Status.SENDING and claimed.attempts == 1
    assert notification_claim(notification.pk) is None
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_claim_whose_worker_died_can_be_taken_over_after_ten_minutes():
    notification = row()
    claimed_at = timezone.now()
    notification_claim(notification.pk, now=claimed_at)
    assert notification_claim(notification.pk, now=claimed_at + timedelta(minutes=9)) is None
    taken = notification_claim(notification.pk, now=claimed_at + timedelta(minutes=11))
    assert taken is not None and taken.attempts == 2


def test_sent_failed_and_future_rows_cannot_be_claimed():
    sent, failed = row(status=Status.SENT), row(status=Status.FAILED)
    later = row(not_before=timezone.now() + timedelta(minutes=5))
    assert notifications_claim([sent.pk, failed.pk, later.pk]) == []


def test_a_claim_is_one_query_and_returns_the_whole_row(django_assert_num_queries):
    notification = row(recipient_phone="+49 2421 1234")
    with django_assert_num_queries(1):
        claimed = notification_claim(notification.pk)
    assert (claimed.recipient_phone, claimed.context, claimed.kind) == ("+49 2421 1234", CONTEXT, KIND)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_twelve_workers_claiming_one_row_at_once_exactly_one_gets_it():
    notification = row()
    barrier, results = threading.Barrier(12), []

    def worker():
        try:
            barrier.wait()
            results.append(notification_claim(notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([r for r in results if r is not None]) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENDING, 1)


# --- Sending once --------------------------------------------------------------------------

def test_notify_sends_the_e_mail_after_commit_and_marks_the_row_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(event(), [senior()])
        assert mail.outbox == []  # nothing leaves before the commit
    notification.refresh_from_db()
    assert notification.status == Status.SENT and notification.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["schmitz@example.org"]
    assert message.extra_headers["X-Notification-Key"] == notification.key
    assert "Lena kommt am Samstag, 10 Uhr" in message.body
    assert "Rasen mähen" in message.alternatives[0][0]


def test_a_sent_row_is_not_sent_again_when_the_task_runs_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(event(), [senior()])
    assert send_notification.delay(notification.pk).get() == "skipped"
    assert send_notifications.delay([notification.pk]).get() == {"skipped": 1}
    assert keys_sent() == [notification.key]


def test_one_task_sends_an_event_for_many_recipients(django_capture_on_commit_callbacks, monkeypatch):
    batches = []
    monkeypatch.setattr(tasks, "notifications_claim",
                        lambda ids: batches.append(list(ids)) or services.notifications_claim(ids))
    recipients = [Recipient(name=f"Teen {n}", email=f"teen{n}@example.org", channels=(Channel.EMAIL,),
                            key=f"teen-{n}") for n in range(30)]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(event(), recipients)
    assert [len(batch) for batch in batches] == [services.BATCH_SIZE, 30 - services.BATCH_SIZE]
    assert sorted(keys_sent()) == sorted(n.key for n in created)
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


def test_the_in_app_row_is_marked_sent_without_leaving_the_system(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(event(), [Recipient(user_id=user.pk, email=user.email, name="Lena")])
    rows = {n.channel: n for n in Notification.objects.filter(user=user)}
    assert set(rows) == {Channel.EMAIL, Channel.INAPP}
    assert {n.status for n in rows.values()} == {Status.SENT}
    assert keys_sent() == [rows[Channel.EMAIL].key]


# --- Temporary and permanent failures ------------------------------------------------------

def test_a_temporary_smtp_failure_leaves_the_row_pending_for_later_and_a_later_run_sends_it(failing_mail):
    notification = row()
    before = timezone.now()
    with pytest.raises(Retry):  # eager tasks raise what a worker would schedule
        send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.attempts == 1
    assert notification.not_before > before + timedelta(seconds=20)  # 30 s ± 20 % for the first retry
    assert "SMTPDataError" in notification.last_error
    assert mail.outbox == []
    # Not before its time, not even when the sweep or a duplicate task comes early.
    assert send_notification.apply(args=[notification.pk]).get() == "skipped"

    Notification.objects.filter(pk=notification.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    assert send_notification.apply(args=[notification.pk]).get() == "sent"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (Status.SENT, 2, "")
    assert keys_sent() == [notification.key]


def test_a_temporary_failure_in_a_batch_becomes_a_retry_of_that_row_alone(failing_mail, monkeypatch):
    retries = []
    monkeypatch.setattr(send_notification, "apply_async", lambda args, countdown: retries.append((args, countdown)))
    first, second, third = row(), row(), row()
    assert send_notifications.apply(args=[[first.pk, second.pk, third.pk]]).get() == {
        "skipped": 0, "retry": 1, "sent": 2}
    assert Notification.objects.get(pk=first.pk).status == Status.PENDING
    assert [args for args, _countdown in retries] == [(first.pk,)]
    assert 24 <= retries[0][1] <= 36
    assert sorted(keys_sent()) == sorted([second.key, third.key])


def test_a_batch_that_runs_out_of_time_hands_its_untried_rows_back_to_the_queue(monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks, "BATCH_SECONDS", -1)  # a mail server so slow that no time is left
    monkeypatch.setattr(tasks, "notifications_enqueue", enqueued.append)
    rows = [row(), row()]
    assert send_notifications.apply(args=[[n.pk for n in rows]]).get() == {"skipped": 0, "released": 2}
    assert enqueued == [[n.pk for n in rows]]
    assert set(Notification.objects.values_list("status", "attempts", "claimed_at")) == {
        (Status.PENDING, 0, None)}
    assert mail.outbox == []


def test_a_recipient_refused_for_good_marks_the_row_failed(failing_mail):
    failing_mail.error = smtplib.SMTPRecipientsRefused({"schmitz@example.org": (550, b"5.1.1 No such user")})
    notification = row()
    assert send_notification.apply(args=[notification.pk]).get() == "failed"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.not_before) == (Status.FAILED, 1, None)
    assert "recipient refused" in notification.last_error


def test_a_greylisted_recipient_is_tried_again_not_given_up(failing_mail):
    failing_mail.error = smtplib.SMTPRecipientsRefused({"schmitz@example.org": (450, b"4.7.1 Greylisted")})
    notification = row()
    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Status.PENDING and notification.not_before is not None


def test_a_row_without_an_address_fails_at_once():
    notification = row(recipient_email="")
    assert send_notification.apply(args=[notification.pk]).get() == "failed"
    assert Notification.objects.get(pk=notification.pk).last_error == "no e-mail address"


def test_after_the_last_attempt_the_row_is_failed_and_shows_why(failing_mail):
    failing_mail.failures = None  # the server never recovers
    notification = row(attempts=MAX_ATTEMPTS - 1)
    assert send_notification.apply(args=[notification.pk]).get() == "failed"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert notification.not_before is None
    assert "SMTPDataError" in notification.last_error
    assert notifications_due(now=timezone.now() + timedelta(days=1)) == []  # never again


def test_the_back_off_doubles_with_jitter_and_stops_growing_below_the_visibility_timeout():
    for attempts, base in [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1800), (8, 1800)]:
        delays = {backoff(attempts) for _ in range(50)}
        assert min(delays) >= int(base * 0.8) and max(delays) <= int(base * 1.2)
        assert len(delays) > 1  # jitter: not all at once
    assert max(backoff(20) for _ in range(100)) < 3600


# --- The sweep -----------------------------------------------------------------------------

def test_the_sweep_re_enqueues_forgotten_and_due_rows_but_not_future_or_fresh_ones():
    now = timezone.now()
    forgotten = row(created_at=now - timedelta(minutes=3))  # the broker was down at commit
    fresh = row(created_at=now - timedelta(seconds=30))  # its task is probably on its way
    due = row(created_at=now - timedelta(hours=10), not_before=now - timedelta(minutes=1))  # quiet hours over
    future = row(created_at=now - timedelta(hours=1), not_before=now + timedelta(hours=1))
    dead_claim = row(status=Status.SENDING, claimed_at=now - timedelta(minutes=11), attempts=1)
    live_claim = row(status=Status.SENDING, claimed_at=now - timedelta(minutes=1), attempts=1)
    row(status=Status.SENT, created_at=now - timedelta(hours=1))
    row(status=Status.FAILED, created_at=now - timedelta(hours=1))

    assert sorted(notifications_due(now=now)) == sorted([forgotten.pk, due.pk, dead_claim.pk])
    assert sweep_outbox.delay().get() == 3
    assert sorted(keys_sent()) == sorted([forgotten.key, due.key, dead_claim.key])
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[fresh.pk] == statuses[future.pk] == Status.PENDING
    assert statuses[live_claim.pk] == Status.SENDING
    assert statuses[dead_claim.pk] == Status.SENT


# --- Quiet hours ---------------------------------------------------------------------------

def test_a_minors_sms_written_at_21_waits_until_8_while_her_e_mail_goes_at_once(django_capture_on_commit_callbacks):
    evening = datetime(2026, 11, 20, 21, 0, tzinfo=BERLIN)
    teen = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(event(), [Recipient(user_id=teen.pk, name="Lena", email=teen.email, phone="+49 151 1234567",
                                   is_minor=True, channels=(Channel.EMAIL, Channel.SMS, Channel.INAPP))],
               now=evening)
    rows = {n.channel: n for n in Notification.objects.all()}
    assert rows[Channel.EMAIL].status == rows[Channel.INAPP].status == Status.SENT
    sms = rows[Channel.SMS]
    assert sms.status == Status.PENDING
    assert sms.not_before == datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN)
    assert keys_sent() == [rows[Channel.EMAIL].key]

    morning = datetime(2026, 11, 21, 7, 59, tzinfo=BERLIN)
    assert sms.pk not in notifications_due(now=morning)
    assert notification_claim(sms.pk, now=morning) is None
    assert notifications_due(now=morning + timedelta(minutes=1)) == [sms.pk]
    assert notification_claim(sms.pk, now=morning + timedelta(minutes=1)) is not None


def test_a_minors_sms_written_after_midnight_waits_until_8_the_same_morning():
    night = datetime(2026, 11, 21, 0, 30, tzinfo=BERLIN)
    [sms] = notify(event(), [Recipient(name="Lena", phone="+49 151 1234567", is_minor=True, key="lena",
                                       channels=(Channel.SMS,))], now=night)
    assert sms.not_before == datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN)


def test_an_adults_sms_at_21_goes_at_once():
    evening = datetime(2026, 11, 20, 21, 0, tzinfo=BERLIN)
    [sms] = notify(event(), [Recipient(name="Herr Becker", phone="+49 2421 1234", key="becker",
                                       channels=(Channel.SMS,))], now=evening)
    assert sms.not_before is None


# --- notify and the caller's transaction ---------------------------------------------------

def test_notify_is_idempotent_per_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(event(), [senior(), senior()])  # the same person twice in one call
        again = notify(event(), [senior()])
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1
    assert keys_sent() == [first[0].key]
    # Another occurrence of the same kind is another event.
    assert len(notify(event(key="pipeline:2"), [senior()])) == 1


def test_a_key_written_by_a_concurrent_call_meanwhile_is_skipped_and_the_rest_written(monkeypatch):
    Notification.objects.create(kind=KIND, channel=Channel.EMAIL, key="pipeline:1:senior-1:email")
    monkeypatch.setattr(services, "_existing_keys", lambda keys: set())  # it was not there when we looked
    other = Recipient(name="Herr Becker", email="becker@example.org", channels=(Channel.EMAIL,), key="becker")
    created = notify(event(), [senior(), other])
    assert [n.key for n in created] == ["pipeline:1:becker:email"]
    assert Notification.objects.count() == 2


def test_notify_inside_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(django_capture_on_commit_callbacks):
    class Refused(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Refused):
        with transaction.atomic():
            notify(event(), [senior()])
            raise Refused
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_an_unreachable_broker_at_commit_does_not_fail_the_change(django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    tries = []
    monkeypatch.setattr(services, "_broker_failed_at", None)
    monkeypatch.setattr(send_notification, "apply_async", lambda *a, **kw: tries.append(a) or refuse())
    monkeypatch.setattr(send_notifications, "apply_async", lambda *a, **kw: tries.append(a) or refuse())
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(event(), [senior(), Recipient(name="B", email="b@example.org", key="b",
                                                       channels=(Channel.EMAIL,))])
        # The next change in this process does not wait for the broker again.
        created += notify(event(key="pipeline:2"), [senior()])
    assert len(tries) == 1
    assert {n.status for n in Notification.objects.all()} == {Status.PENDING}
    assert mail.outbox == []
    later = timezone.now() + timedelta(minutes=3)
    assert sorted(notifications_due(now=later)) == sorted(n.pk for n in created)


# --- The SMTP connection of a worker -------------------------------------------------------

def test_a_worker_keeps_one_smtp_connection_for_many_messages_and_replaces_a_broken_one(failing_mail):
    failing_mail.failures = 0
    for _ in range(3):
        assert send_notification.apply(args=[row().pk]).get() == "sent"
    assert failing_mail.opened == 1
    # An error drops the connection; the next message opens a new one.
    failing_mail.failures, failing_mail.sent = 1, 0
    with pytest.raises(Retry):
        send_notification.apply(args=[row().pk])
    assert send_notification.apply(args=[row().pk]).get() == "sent"
    assert failing_mail.opened == 2
    assert len(mail.outbox) == 4


def test_an_smtp_connection_idle_for_longer_than_servers_keep_it_is_replaced(failing_mail, monkeypatch):
    failing_mail.failures = 0
    send_notification.apply(args=[row().pk])
    monkeypatch.setattr(email_channel, "IDLE_SECONDS", -1)
    send_notification.apply(args=[row().pk])
    assert failing_mail.opened == 2
