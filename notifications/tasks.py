"""Sending. A task gets an id, claims the row with a conditional UPDATE, sends through the
channel's transport and marks the outcome; a row already sent or taken is left alone, so a
task delivered twice sends once."""

import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_shutdown
from django.conf import settings

from .channels import PermanentError, TemporaryError, email, transport
from .services import (
    MAX_ATTEMPTS,
    notification_claim,
    notification_failed,
    notification_sent,
    notifications_claim,
    notifications_due,
    notifications_enqueue,
    notifications_release,
)

logger = logging.getLogger(__name__)

# A retry waits in the worker as an unacknowledged message with an ETA. Redis hands such a
# message to another worker once the visibility timeout (1 h) has passed, so no single wait may
# come near it: the back-off stops growing at 30 minutes (jitter included, 36 minutes at most).
MAX_BACKOFF_SECONDS = 1800
# A batch stops taking new rows after this long and re-enqueues the rest (time limit: 240 s).
BATCH_SECONDS = 60


def backoff(attempts: int) -> int:
    """Seconds to the next try: exponential (30 s, 1 min, 2 min, … up to 30 min) with jitter, so
    that many failed messages do not come back all at once. NOTIFICATION_RETRY_SECONDS (30)
    sets the first step; the worker tests shorten it."""
    first = getattr(settings, "NOTIFICATION_RETRY_SECONDS", 30)
    base = min(first * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return int(base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


@dataclass
class Outcome:
    status: str  # "sent", "failed" or "retry"
    delay: int = 0
    error: BaseException | None = None


def _deliver(notification) -> Outcome:
    """Send one claimed row through its channel and record the outcome on the row."""
    try:
        transport(notification.channel).send(notification)
    except PermanentError as exc:
        notification_failed(notification, str(exc), final=True)
        logger.warning("notification %s failed for good: %s", notification.pk, type(exc).__name__)
        return Outcome("failed")
    except (TemporaryError, Exception) as exc:  # noqa: BLE001 - any other error is retried too
        final = notification.attempts >= MAX_ATTEMPTS
        delay = backoff(notification.attempts)
        notification_failed(notification, f"{type(exc).__name__}: {exc}", final=final,
                            retry_in=timedelta(seconds=delay))
        return Outcome("failed") if final else Outcome("retry", delay, exc)
    notification_sent(notification)
    return Outcome("sent")


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def send_notification(self, notification_id: int) -> str:
    notification = notification_claim(notification_id)
    if notification is None:
        return "skipped"
    outcome = _deliver(notification)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.delay, exc=outcome.error) from outcome.error
    return outcome.status


@shared_task(acks_late=True)
def send_notifications(notification_ids: list[int]) -> dict:
    """Many rows in one task (an event for many recipients, the sweep): one claim for all, then
    each sent and marked on its own, so that a worker killed halfway has sent at most the row
    it was sending without marking it. A temporary failure becomes a retry task of its own row.
    A batch that runs longer than BATCH_SECONDS (a slow mail server) hands the rest back to the
    queue instead of nearing the task's time limit."""
    claimed = notifications_claim(notification_ids)
    counts = Counter(skipped=len(notification_ids) - len(claimed))
    started = time.monotonic()
    for index, notification in enumerate(claimed):
        if time.monotonic() - started > BATCH_SECONDS:
            rest = claimed[index:]
            notifications_release(rest)
            notifications_enqueue([n.pk for n in rest])
            counts["released"] += len(rest)
            break
        outcome = _deliver(notification)
        if outcome.status == "retry":
            try:
                send_notification.apply_async((notification.pk,), countdown=outcome.delay)
            except Exception:  # noqa: BLE001 - the row is pending and due later: the sweep has it
                logger.warning("could not enqueue the retry of notification %s", notification.pk)
        counts[outcome.status] += 1
    return dict(counts)


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    """Re-enqueue what was never picked up (broker down at commit, quiet hours over, a worker
    that died while sending)."""
    ids = notifications_due()
    notifications_enqueue(ids)
    return len(ids)


@worker_process_shutdown.connect
@worker_shutdown.connect
def _close_smtp_connection(**kwargs) -> None:
    """Say goodbye to the SMTP server the worker process kept a connection to."""
    email.close()
