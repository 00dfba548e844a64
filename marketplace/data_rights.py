"""What the marketplace stores about a person, for export and deletion (accounts.services)."""

from django.db.models import Q

from accounts.models import AuditEntry
from accounts.services import DataContributor

from .models import ProviderProfile, ProviderStatus, TeenProfile, TeenStatus

ANONYMOUS = "Gelöscht"


def _teen(user):
    return TeenProfile.objects.filter(user=user).first()


def _provider(user):
    return ProviderProfile.objects.filter(user=user).first()


def export(user) -> dict:
    data: dict = {}
    if teen := _teen(user):
        data["teen_profile"] = {
            "exchange": teen.exchange.name if teen.exchange_id else None,
            "first_name": teen.first_name, "last_name": teen.last_name,
            "birth_date": teen.birth_date.isoformat() if teen.birth_date else None,
            "in_compulsory_school": teen.in_compulsory_school,
            "postcode": teen.postcode_id, "radius_km": teen.radius_km,
            "interests": sorted(teen.interests.values_list("slug", flat=True)),
            "availability": [{"weekday": s.weekday, "start": s.start.strftime("%H:%M"),
                              "end": s.end.strftime("%H:%M")} for s in teen.availability.all()],
            "absences": [{"start": a.start.isoformat(), "end": a.end.isoformat()} for a in teen.absences.all()],
            "phone": teen.phone, "parent_name": teen.parent_name, "parent_email": teen.parent_email,
            "status": teen.status, "status_reason": teen.status_reason,
            "intake_on": teen.intake_on.isoformat() if teen.intake_on else None,
            "insurance_confirmed_on": teen.insurance_confirmed_on.isoformat() if teen.insurance_confirmed_on else None,
            "police_certificate_inspected_on": teen.police_certificate_inspected_on.isoformat()
            if teen.police_certificate_inspected_on else None,
            "consents": [{
                "method": c.method, "parent_name": c.parent_name, "parent_email": c.parent_email,
                "requested_at": c.requested_at.isoformat(),
                "given_at": c.given_at.isoformat() if c.given_at else None,
                "signed_name": c.signed_name,
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            } for c in teen.consents.all()],
        }
    if provider := _provider(user):
        data["provider_profile"] = {
            "exchange": provider.exchange.name if provider.exchange_id else None,
            "first_name": provider.first_name, "last_name": provider.last_name,
            "street": provider.street, "postcode": provider.postcode_id, "city": provider.city,
            "phone": provider.phone, "contact_preference": provider.contact_preference,
            "private_person_confirmed": provider.private_person_confirmed, "status": provider.status,
        }
    data["history"] = [
        {"at": e.created_at.isoformat(), "action": e.action}
        for e in AuditEntry.objects.filter(Q(subject_user_id=user.pk) | Q(actor=user)).order_by("created_at")
    ]
    return data


def has_history(user) -> bool:
    """Other people's records refer to this person: a coordinator verified or vetted her, or
    a coordinator entered her. (Jobs and matches add to this in the marketplace issue.)"""
    # A coordinator merely reading the profile is no record of anybody else's.
    return (AuditEntry.objects.filter(subject_user_id=user.pk).exclude(actor=user)
            .exclude(actor__isnull=True).exclude(action__endswith=".viewed").exists())


def anonymise(user) -> None:
    if teen := _teen(user):
        teen.first_name = ANONYMOUS
        teen.last_name = ""
        teen.birth_date = None
        teen.phone = teen.parent_name = teen.parent_email = ""
        teen.status = TeenStatus.DELETED if teen.status != TeenStatus.AGED_OUT else teen.status
        teen.status_reason = ""
        teen.police_certificate_dated = None
        teen.save()
        teen.availability.all().delete()
        teen.absences.all().delete()
        teen.interests.clear()
        teen.consents.update(parent_name=ANONYMOUS, parent_email="", signed_name="")
    if provider := _provider(user):
        provider.first_name = ANONYMOUS
        provider.last_name = provider.street = provider.phone = provider.email = provider.notes = ""
        provider.status = ProviderStatus.DELETED
        provider.save()


contributor = DataContributor(name="marketplace", export=export, has_history=has_history, anonymise=anonymise)
