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


@shared_task(**RETRY)
def send_consent_request(consent_id: int) -> None:
    from . import emails
    from .services.consent import consent_token

    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the exchange.
        consent = (ParentalConsent.objects.select_for_update(of=("self",))
                   .select_related("teen__exchange", "teen__user").filter(pk=consent_id).first())
        if consent is None or consent.request_sent_at or consent.given_at or consent.revoked_at:
            return
        token = consent_token(consent, purpose="give")
        emails.send(
            template="consent_request", to=consent.parent_email,
            language=consent.teen.user.language,
            context={"consent": consent, "teen": consent.teen, "exchange": consent.teen.exchange,
                     "link": reverse("consent_give", args=[token])},
        )
        consent.request_sent_at = timezone.now()
        consent.save(update_fields=["request_sent_at"])
    logger.info("consent request %s sent", consent_id)


@shared_task(**RETRY)
def send_consent_confirmation(consent_id: int) -> None:
    from . import emails
    from .services.consent import consent_token

    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the exchange.
        consent = (ParentalConsent.objects.select_for_update(of=("self",))
                   .select_related("teen__exchange", "teen__user").filter(pk=consent_id).first())
        if consent is None or consent.confirmation_sent_at or not consent.given_at or not consent.parent_email:
            return
        emails.send(
            template="consent_confirmation", to=consent.parent_email,
            language=consent.teen.user.language,
            context={"consent": consent, "teen": consent.teen, "exchange": consent.teen.exchange,
                     "revoke_link": reverse("consent_revoke", args=[consent_token(consent, purpose="revoke")])},
        )
        consent.confirmation_sent_at = timezone.now()
        consent.save(update_fields=["confirmation_sent_at"])
    logger.info("consent confirmation %s sent", consent_id)


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
