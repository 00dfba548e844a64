"""Parental consent for minors (DESIGN sections 2 and 5).

The parent needs no account: a signed link (Django's signing, salted per purpose) carries the
consent's id. The row itself holds the expiry, and only the newest request of a teen counts, so
a changed, expired or superseded link is refused with an explanation.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log

from .. import notify
from ..models import ConsentMethod, ParentalConsent, TeenProfile, TeenStatus
from .errors import Conflict

GIVE_SALT = "marketplace.consent.give"
REVOKE_SALT = "marketplace.consent.revoke"


class ConsentLinkError(Exception):
    """A consent link that cannot be used; `message` explains why, in German."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def consent_token(consent: ParentalConsent, *, purpose: str) -> str:
    salt = GIVE_SALT if purpose == "give" else REVOKE_SALT
    return signing.dumps({"c": consent.pk, "e": consent.parent_email.lower()}, salt=salt)


def consent_from_token(token: str, *, purpose: str) -> ParentalConsent:
    salt = GIVE_SALT if purpose == "give" else REVOKE_SALT
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        raise ConsentLinkError(_("Dieser Link ist ungültig. Bitte verwenden Sie den Link aus der "
                                 "E-Mail unverändert oder bitten Sie Ihr Kind, die E-Mail neu "
                                 "anzufordern.")) from None
    consent = (ParentalConsent.objects.select_related("teen__exchange", "teen__user")
               .filter(pk=payload.get("c")).first())
    if consent is None or consent.parent_email.lower() != payload.get("e"):
        raise ConsentLinkError(_("Diese Anfrage gibt es nicht mehr."))
    if consent.teen.status in (TeenStatus.DELETED, TeenStatus.AGED_OUT):
        raise ConsentLinkError(_("Diese Anmeldung wurde gelöscht."))
    if purpose == "give":
        newest = consent.teen.consents.filter(method=ConsentMethod.LINK).order_by("-requested_at", "-id").first()
        if consent.given_at is None and newest is not None and newest.pk != consent.pk:
            raise ConsentLinkError(_("Dieser Link wurde durch eine neuere E-Mail ersetzt. Bitte "
                                     "verwenden Sie den Link aus der neuesten E-Mail."))
        if consent.given_at is None and consent.expires_at and consent.expires_at < timezone.now():
            raise ConsentLinkError(_("Dieser Link ist abgelaufen. Ihr Kind kann in seinem Profil "
                                     "eine neue E-Mail anfordern."))
    return consent


def consent_request(*, teen: TeenProfile) -> ParentalConsent:
    """Ask the teen's parent for consent: the request and its e-mail in the outbox now (in the
    caller's transaction), sent by a worker after commit."""
    if not teen.parent_email:
        raise Conflict(_("Bitte zuerst die E-Mail-Adresse eines Elternteils angeben."))
    days = teen.exchange.policy.consent_link_valid_days if teen.exchange_id else 14
    consent = ParentalConsent.objects.create(
        teen=teen, method=ConsentMethod.LINK, parent_name=teen.parent_name,
        parent_email=teen.parent_email, expires_at=timezone.now() + timedelta(days=days),
    )
    audit_log(actor=teen.user, action="marketplace.consent.requested", target=consent,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    notify.consent_requested(consent=consent)
    return consent


@transaction.atomic
def consent_resend(*, teen: TeenProfile) -> ParentalConsent:
    """The teen asks for a new e-mail (lost, expired): a fresh request replaces the old link."""
    teen = TeenProfile.objects.select_for_update(of=("self",)).select_related("exchange__policy").get(pk=teen.pk)
    if teen.status != TeenStatus.CONSENT_PENDING:
        raise Conflict(_("Es wird gerade keine Einwilligung benötigt."))
    return consent_request(teen=teen)


@transaction.atomic
def consent_give(
    *, consent: ParentalConsent, signed_name: str, participation: bool, data_processing: bool
) -> ParentalConsent:
    from django.core.exceptions import ValidationError

    from .teens import teen_refresh_status

    errors = {}
    if not signed_name.strip():
        errors["signed_name"] = [_("Bitte geben Sie Ihren Namen an.")]
    if not participation:
        errors["participation"] = [_("Ohne Ihre Zustimmung zur Teilnahme kann Ihr Kind nicht "
                                     "mitmachen.")]
    if not data_processing:
        errors["data_processing"] = [_("Ohne Ihre Zustimmung zur Datenverarbeitung können wir "
                                       "keine Aufträge vermitteln.")]
    if errors:
        raise ValidationError(errors)
    consent = ParentalConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.given_at is not None:
        return consent  # a second click on the same link changes nothing
    consent.given_at = timezone.now()
    consent.signed_name = signed_name.strip()
    consent.participation = True
    consent.data_processing = True
    consent.save()
    teen = TeenProfile.objects.select_for_update().get(pk=consent.teen_id)
    teen_refresh_status(teen=teen)
    audit_log(actor=None, action="marketplace.consent.given", target=consent,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    notify.consent_given(consent=consent)
    return consent


@transaction.atomic
def consent_revoke(*, consent: ParentalConsent, by: User | None = None) -> ParentalConsent:
    """Withdraw consent: the teen is no longer matched until consent is given again."""
    consent = ParentalConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        return consent
    consent.revoked_at = timezone.now()
    consent.save()
    teen = TeenProfile.objects.select_for_update().get(pk=consent.teen_id)
    from .teens import current_consent

    if teen.is_minor and current_consent(teen) is None and teen.status not in (
        TeenStatus.DELETED, TeenStatus.AGED_OUT, TeenStatus.SUSPENDED, TeenStatus.INCOMPLETE
    ):
        teen.status = TeenStatus.CONSENT_PENDING
        teen.status_reason = "Einwilligung widerrufen"
        teen.status_changed_at = timezone.now()
        teen.save()
    audit_log(actor=by, action="marketplace.consent.revoked", target=consent,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    return consent


def consent_record_paper(*, teen: TeenProfile, by: User, parent_name: str) -> ParentalConsent:
    """A coordinator records a consent form signed on paper (e.g. at the intake talk)."""
    now = timezone.now()
    consent = ParentalConsent.objects.create(
        teen=teen, method=ConsentMethod.PAPER, parent_name=parent_name,
        parent_email=teen.parent_email, requested_at=now, given_at=now, signed_name=parent_name,
        participation=True, data_processing=True, recorded_by=by,
    )
    audit_log(actor=by, action="marketplace.consent.paper_recorded", target=consent,
              exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    return consent
