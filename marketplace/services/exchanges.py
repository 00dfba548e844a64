from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_log

from ..models import Category, CoordinatorMembership, Exchange, Policy, Postcode, ServiceArea

# The usual categories of German pocket-money exchanges. `light` marks work on the list of
# § 2 Abs. 1 KindArbSchV (household and garden, errands, pets, tutoring, care of children).
DEFAULT_CATEGORIES = [
    # slug, name, min_age, light, not allowed
    ("garden", "Garten", 14, True,
     "Keine Leitern, keine Motorsägen, Freischneider oder anderen Elektro-Gartengeräte."),
    ("shopping", "Einkaufen und Besorgungen", 14, True,
     "Kein Einkauf von Alkohol oder Tabak für unter 18-Jährige."),
    ("pets", "Haustiere", 14, True, "Keine gefährlichen oder kranken Tiere."),
    ("household", "Leichte Hilfe im Haushalt", 14, True,
     "Keine Leitern, keine scharfen Reinigungsmittel, keine Pflege."),
    ("digital", "Handy- und PC-Hilfe", 14, True,
     "Keine Bankgeschäfte und keine Passwörter im Namen der Auftraggeber."),
    ("company", "Vorlesen und Gesellschaft", 14, True, "Keine Betreuung oder Pflege."),
    ("tutoring", "Nachhilfe", 14, True, "Keine gewerbliche Nachhilfe."),
    ("babysitting", "Babysitten", 16, True,
     "Nur ab 16 Jahren, nicht für Säuglinge ohne Anwesenheit der Eltern."),
    ("carrying", "Leichtes Tragen", 15, False,
     "Höchstens 10 kg, keine Möbel, keine Umzüge."),
]


@transaction.atomic
def exchange_create(
    *, name: str, slug: str, postcodes: list[str] | None = None, by: User | None = None, **fields
) -> Exchange:
    """Create an exchange with the default policy and the usual categories."""
    exchange = Exchange.objects.create(name=name, slug=slug, **fields)
    Policy.objects.create(exchange=exchange)
    for position, (cslug, cname, min_age, light, not_allowed) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.create(
            exchange=exchange, slug=cslug, name=cname, min_age=min_age,
            light_work_for_children=light, not_allowed=not_allowed, position=position,
        )
    if postcodes:
        exchange_set_postcodes(exchange=exchange, postcodes=postcodes)
    audit_log(actor=by, action="marketplace.exchange.created", target=exchange,
              exchange_id=exchange.pk)
    return exchange


@transaction.atomic
def exchange_set_postcodes(*, exchange: Exchange, postcodes: list[str]) -> None:
    """Make `postcodes` the service area of `exchange`. A postcode served by another exchange
    is refused: a person's exchange must follow from her postcode alone."""
    codes = sorted({c.strip() for c in postcodes if c.strip()})
    known = set(Postcode.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"postcodes": [
            _("Unbekannte Postleitzahlen: %(codes)s") % {"codes": ", ".join(unknown)}]})
    taken = list(
        ServiceArea.objects.filter(postcode__in=codes)
        .exclude(exchange=exchange)
        .select_related("exchange")
    )
    if taken:
        raise ValidationError({"postcodes": [
            _("%(code)s gehört schon zu %(exchange)s.") % {"code": s.postcode_id, "exchange": s.exchange}
            for s in taken]})
    ServiceArea.objects.filter(exchange=exchange).exclude(postcode__in=codes).delete()
    existing = set(ServiceArea.objects.filter(exchange=exchange).values_list("postcode_id", flat=True))
    ServiceArea.objects.bulk_create(
        [ServiceArea(exchange=exchange, postcode_id=c) for c in codes if c not in existing]
    )


def exchange_for_postcode(code: str) -> Exchange | None:
    area = ServiceArea.objects.select_related("exchange").filter(postcode_id=code).first()
    return area.exchange if area else None


@transaction.atomic
def coordinator_create(
    *, email: str, password: str | None, exchanges: list[Exchange], by: User | None = None,
    can_manage_settings: bool | None = None,
) -> User:
    """Create a coordinator account (or add exchanges to an existing one). The e-mail address
    counts as verified: the operator who creates the account vouches for it."""
    from allauth.account.models import EmailAddress

    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.role != Role.COORDINATOR:
        raise ValidationError({"email": [
            _("Dieses Konto gehört zu einer anderen Rolle und kann keine Koordination werden.")]})
    if user is None:
        user = User.objects.create_user(email=email, password=password, role=Role.COORDINATOR)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    for exchange in exchanges:
        membership, created = CoordinatorMembership.objects.get_or_create(
            user=user, exchange=exchange, defaults={"can_manage_settings": bool(can_manage_settings)})
        if not created and can_manage_settings is not None and membership.can_manage_settings != can_manage_settings:
            membership.can_manage_settings = can_manage_settings
            membership.save(update_fields=["can_manage_settings"])
            audit_log(actor=by, action="marketplace.coordinator.settings_right_changed", target=exchange,
                      exchange_id=exchange.pk, subject_user_id=user.pk,
                      data={"can_manage_settings": can_manage_settings})
        if created:
            audit_log(actor=by, action="marketplace.coordinator.added", target=exchange,
                      exchange_id=exchange.pk, subject_user_id=user.pk)
    return user
