"""Background work of the marketplace. Tasks take ids, look their row up, and do nothing when
the work is already done, so a retry or a second delivery sends nothing twice."""

import logging

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import ParentalConsent, ProviderProfile

logger = logging.getLogger(__name__)

RETRY = dict(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=1800, retry_jitter=True,
             max_retries=8, acks_late=True)


@shared_task(acks_late=True)
def send_consent_request(consent_id: int) -> None:
    """Kept for tasks queued before the consent e-mail moved to the notifications outbox: it
    writes the outbox row (once, by its key), which the pipeline sends."""
    from . import notify

    consent = ParentalConsent.objects.filter(pk=consent_id, given_at__isnull=True, revoked_at__isnull=True).first()
    if consent is not None:
        with transaction.atomic():
            notify.consent_requested(consent=consent)


@shared_task(acks_late=True)
def send_consent_confirmation(consent_id: int) -> None:
    """Kept for tasks queued before the move to the outbox (see `send_consent_request`)."""
    from . import notify

    consent = ParentalConsent.objects.filter(pk=consent_id, given_at__isnull=False).first()
    if consent is not None:
        with transaction.atomic():
            notify.consent_given(consent=consent)


@shared_task(**RETRY)
def send_provider_invitation(profile_id: int) -> None:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    from . import emails

    with transaction.atomic():
        profile = (ProviderProfile.objects.select_for_update(of=("self",)).select_related("user", "exchange")
                   .filter(pk=profile_id).first())
        if profile is None or profile.user is None or profile.invitation_sent_at:
            return
        user = profile.user
        emails.send(
            template="provider_invitation", to=user.email, language=user.language,
            context={"profile": profile, "exchange": profile.exchange,
                     "link": reverse("account_reset_password_from_key", kwargs={
                         "uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})},
        )
        profile.invitation_sent_at = timezone.now()
        profile.save(update_fields=["invitation_sent_at"])
    logger.info("provider invitation %s sent", profile_id)


@shared_task
def apply_retention() -> dict:
    from .services.retention import teens_apply_retention

    return teens_apply_retention(now=timezone.now())


@shared_task
def expire_jobs() -> int:
    """Open jobs whose start passed unfilled expire (scheduled by Celery beat)."""
    from .services.jobs import jobs_expire

    return jobs_expire(now=timezone.now())


# --- scheduled notifications (CELERY_BEAT_SCHEDULE). Each is safe to run twice and after a
# pause: every message has a key of its own (match and reminder, job, teen and day), so a
# second run or an overlapping one writes nothing new.

@shared_task(acks_late=True)
def send_reminders_day_before() -> int:
    from .notify import reminders_day_before_send

    return reminders_day_before_send(now=timezone.now())


@shared_task(acks_late=True)
def send_reminders_two_hours() -> int:
    from .notify import reminders_two_hours_send

    return reminders_two_hours_send(now=timezone.now())


@shared_task(acks_late=True)
def send_job_digests() -> int:
    from .notify import job_digest_send

    return job_digest_send(now=timezone.now())


@shared_task(acks_late=True)
def warn_unfilled_jobs() -> int:
    from .notify import unfilled_jobs_warn

    return unfilled_jobs_warn(now=timezone.now())


@shared_task(acks_late=True)
def send_feedback_requests() -> int:
    from .notify import feedback_requests_send

    return feedback_requests_send(now=timezone.now())
