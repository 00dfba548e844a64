"""Provider onboarding: self-service, intake by a coordinator after a phone call, vetting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_log

from ..models import ContactPreference, Exchange, Postcode, ProviderProfile, ProviderStatus
from ..selectors import is_coordinator_of
from .errors import Conflict
from .exchanges import exchange_for_postcode

PROFILE_FIELDS = ("first_name", "last_name", "street", "postcode", "city", "phone",
                  "contact_preference", "private_person_confirmed", "email")


def provider_profile_for(user: User) -> ProviderProfile:
    if user.role != Role.PROVIDER:
        raise Conflict(_("Nur Auftraggeber haben dieses Profil."))
    profile, _created = ProviderProfile.objects.get_or_create(user=user)
    return profile


def _validate(
    profile: ProviderProfile, data: dict, *, exchange: Exchange | None
) -> tuple[dict, Postcode | None, Exchange | None]:
    errors: dict[str, list[str]] = {}
    postcode = profile.postcode
    if "postcode" in data:
        code = (data["postcode"] or "").strip()
        postcode = Postcode.objects.filter(code=code).first()
        if postcode is None:
            errors["postcode"] = [_("Die Postleitzahl %(code)s kennen wir nicht.") % {"code": code}]
        else:
            served_by = exchange_for_postcode(code)
            if served_by is None:
                errors["postcode"] = [_("Für die Postleitzahl %(code)s gibt es noch keine "
                                        "Taschengeldbörse.") % {"code": code}]
            elif exchange is not None and served_by != exchange:
                errors["postcode"] = [_("Diese Postleitzahl gehört zu %(exchange)s.")
                                      % {"exchange": served_by}]
            exchange = served_by
    merged = {f: data.get(f, getattr(profile, f if f != "postcode" else "postcode_id")) for f in PROFILE_FIELDS}
    preference = merged["contact_preference"]
    if preference not in ContactPreference.values:
        errors["contact_preference"] = [_("Bitte eine der angebotenen Möglichkeiten wählen.")]
    if preference in (ContactPreference.SMS, ContactPreference.PHONE) and not (merged["phone"] or "").strip():
        errors["phone"] = [_("Für Nachrichten per SMS oder Anruf brauchen wir Ihre Telefonnummer.")]
    has_email = bool(profile.user_id) or bool((merged["email"] or "").strip())
    if preference == ContactPreference.EMAIL and not has_email:
        errors["contact_preference"] = [_("Ohne E-Mail-Adresse bitte „Telefonisch über die "
                                          "Koordination“ oder „Brief“ wählen.")]
    if preference == ContactPreference.LETTER and not ((merged["street"] or "").strip()):
        errors["street"] = [_("Für Briefe brauchen wir Ihre Anschrift.")]
    return errors, postcode, exchange


def _apply(profile: ProviderProfile, data: dict, postcode, exchange) -> None:
    for field in PROFILE_FIELDS:
        if field in data and field != "postcode":
            value = data[field]
            setattr(profile, field, value.strip() if isinstance(value, str) else value)
    if "postcode" in data:
        profile.postcode = postcode
        profile.exchange = exchange


def _is_complete(profile: ProviderProfile) -> bool:
    return bool(profile.first_name and profile.last_name and profile.street and profile.postcode_id
                and profile.city and profile.exchange_id and profile.private_person_confirmed)


@transaction.atomic
def provider_profile_update(*, profile: ProviderProfile, data: dict, by: User) -> ProviderProfile:
    """Self-service profile of a provider. Becomes active at once unless the policy wants the
    coordinator to vet providers first."""
    profile = ProviderProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status == ProviderStatus.DELETED:
        raise Conflict(_("Dieses Profil ist nicht mehr aktiv."))
    errors, postcode, exchange = _validate(profile, data, exchange=None)
    if "private_person_confirmed" in data and not data["private_person_confirmed"]:
        errors["private_person_confirmed"] = [_("Die Taschengeldbörse vermittelt nur an "
                                                "Privatpersonen. Bitte bestätigen Sie das.")]
    if errors:
        raise ValidationError(errors)
    old_exchange_id = profile.exchange_id
    _apply(profile, data, postcode, exchange)
    if profile.status == ProviderStatus.INCOMPLETE and _is_complete(profile):
        vetting = profile.exchange.policy.provider_vetting_required
        profile.status = ProviderStatus.PENDING if vetting else ProviderStatus.ACTIVE
    elif old_exchange_id and profile.exchange_id != old_exchange_id and profile.status == ProviderStatus.ACTIVE:
        if profile.exchange.policy.provider_vetting_required:
            profile.status = ProviderStatus.PENDING
    profile.save()
    if by.pk != profile.user_id:
        audit_log(actor=by, action="marketplace.provider.profile_changed", target=profile,
                  exchange_id=profile.exchange_id, subject_user_id=profile.user_id,
                  data={"fields": sorted(data.keys())})
    return profile


@transaction.atomic
def provider_create_by_coordinator(*, exchange: Exchange, by: User, data: dict) -> ProviderProfile:
    """Intake after a phone call. With an e-mail address the provider gets an account and an
    invitation to set a password; without one she is reached by phone or letter through the
    coordinator. The coordinator's call counts as vetting."""
    if not is_coordinator_of(user=by, exchange_id=exchange.pk):
        raise Conflict(_("Sie koordinieren diese Börse nicht."))
    profile = ProviderProfile(exchange=exchange, created_by=by, private_person_confirmed=True)
    data = {**data, "private_person_confirmed": True}
    email = (data.get("email") or "").strip().lower()
    data["email"] = email
    errors, postcode, exchange = _validate(profile, data, exchange=exchange)
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("Zu dieser E-Mail-Adresse gibt es schon ein Konto.")]
    for field in ("first_name", "last_name"):
        if not (data.get(field) or "").strip():
            errors[field] = [_("Bitte ausfüllen.")]
    if "postcode" not in data:
        errors["postcode"] = [_("Bitte ausfüllen.")]
    if errors:
        raise ValidationError(errors)
    _apply(profile, data, postcode, exchange)
    profile.notes = (data.get("notes") or "").strip()
    profile.status = ProviderStatus.ACTIVE
    profile.vetted_at = timezone.now()
    profile.vetted_by = by
    if email:
        from allauth.account.models import EmailAddress

        user = User.objects.create_user(email=email, password=None, role=Role.PROVIDER)
        # The coordinator spoke to her and noted the address; the invitation proves it again.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        profile.user = user
        profile.email = ""
    profile.save()
    audit_log(actor=by, action="marketplace.provider.created_by_coordinator", target=profile,
              exchange_id=exchange.pk, subject_user_id=profile.user_id)
    if profile.user_id:
        from ..tasks import send_provider_invitation

        transaction.on_commit(lambda: send_provider_invitation.delay(profile.pk))
    return profile


@transaction.atomic
def provider_vet(*, profile: ProviderProfile, by: User, decision: str, reason: str = "") -> ProviderProfile:
    """A coordinator's decision: activate or suspend a provider (with a reason)."""
    profile = ProviderProfile.objects.select_for_update().get(pk=profile.pk)
    if decision not in ("activate", "suspend"):
        raise ValidationError({"decision": [_("Entscheidung muss „activate“ oder „suspend“ sein.")]})
    if decision == "suspend" and not reason.strip():
        raise ValidationError({"reason": [_("Bitte eine Begründung angeben.")]})
    if profile.status in (ProviderStatus.DELETED, ProviderStatus.INCOMPLETE):
        raise Conflict(_("Das Profil ist unvollständig oder gelöscht."))
    if decision == "activate":
        profile.status = ProviderStatus.ACTIVE
        profile.vetted_at = timezone.now()
        profile.vetted_by = by
    else:
        profile.status = ProviderStatus.SUSPENDED
    profile.status_reason = reason.strip()
    profile.save()
    audit_log(actor=by, action=f"marketplace.provider.{'activated' if decision == 'activate' else 'suspended'}",
              target=profile, exchange_id=profile.exchange_id, subject_user_id=profile.user_id,
              data={"reason": reason.strip()})
    return profile
