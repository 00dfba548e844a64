"""Teen onboarding and verification.

Lifecycle (DESIGN section 5): incomplete → consent_pending (minors) → intake_pending → active,
and active ⇄ paused / suspended by a coordinator (paused also by the teen herself). Only active
teens will ever be matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_log
from matching.rules import age_on

from .. import notify
from ..models import (
    Absence,
    AvailabilitySlot,
    Category,
    ConsentMethod,
    ParentalConsent,
    Policy,
    Postcode,
    TeenProfile,
    TeenStatus,
)
from .errors import Conflict
from .exchanges import exchange_for_postcode

# Statuses a teen reaches only through a decision; editing the profile never leaves them.
DECIDED = {TeenStatus.ACTIVE, TeenStatus.PAUSED, TeenStatus.SUSPENDED}
FINAL = {TeenStatus.AGED_OUT, TeenStatus.DELETED}
# Fields that a teen may no longer change herself once a coordinator activated her: they decide
# what she may legally do.
LOCKED_AFTER_ACTIVATION = {"birth_date", "in_compulsory_school"}

# Stored as the status reason (in the exchange's language, not the viewer's) so that a teen can
# lift her own pause but never a coordinator's.
SELF_PAUSE_REASON = "Pause auf eigenen Wunsch"

SLOT_STEP_MINUTES = 15
ABSOLUTE_MIN_AGE, ABSOLUTE_MAX_AGE = 13, 21


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def teen_profile_for(user: User) -> TeenProfile:
    """The teen's profile, created empty on first use."""
    if user.role != Role.TEEN:
        raise Conflict(_("Nur Jugendliche haben ein Helferprofil."))
    profile, _created = TeenProfile.objects.get_or_create(user=user)
    return profile


def validate_availability(slots: list[Slot]) -> None:
    """15-minute steps, start before end, no two slots of one weekday overlapping."""
    errors = []
    weekday_names = [_("Montag"), _("Dienstag"), _("Mittwoch"), _("Donnerstag"), _("Freitag"),
                     _("Samstag"), _("Sonntag")]
    for slot in slots:
        if not 0 <= slot.weekday <= 6:
            errors.append(_("Wochentag muss zwischen 0 (Montag) und 6 (Sonntag) liegen."))
            continue
        day = weekday_names[slot.weekday]
        for t in (slot.start, slot.end):
            if t.minute % SLOT_STEP_MINUTES or t.second or t.microsecond:
                errors.append(_("%(day)s: Zeiten bitte in Viertelstunden angeben (z. B. 14:15), "
                                "nicht %(time)s.") % {"day": day, "time": t.strftime("%H:%M")})
        if slot.start >= slot.end:
            errors.append(_("%(day)s: Die Startzeit %(start)s muss vor der Endzeit %(end)s liegen.")
                          % {"day": day, "start": slot.start.strftime("%H:%M"),
                             "end": slot.end.strftime("%H:%M")})
    by_day: dict[int, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.weekday, []).append(slot)
    for weekday, day_slots in by_day.items():
        day_slots.sort(key=lambda s: s.start)
        for a, b in zip(day_slots, day_slots[1:], strict=False):
            if b.start < a.end and 0 <= weekday <= 6:
                errors.append(_("%(day)s: Die Zeiten %(a)s und %(b)s überschneiden sich.") % {
                    "day": weekday_names[weekday],
                    "a": f"{a.start:%H:%M}–{a.end:%H:%M}", "b": f"{b.start:%H:%M}–{b.end:%H:%M}"})
    if errors:
        raise ValidationError({"availability": errors})


def validate_absences(periods: list[Period]) -> None:
    errors = [
        _("Abwesenheit %(start)s–%(end)s: Das Ende liegt vor dem Anfang.")
        % {"start": f"{p.start:%d.%m.%Y}", "end": f"{p.end:%d.%m.%Y}"}
        for p in periods if p.start > p.end
    ]
    if errors:
        raise ValidationError({"absences": errors})


def _check_age(birth_date: date, policy: Policy | None, today: date) -> list[str]:
    if birth_date > today:
        return [_("Das Geburtsdatum liegt in der Zukunft.")]
    age = age_on(birth_date, today)
    low = policy.min_age if policy else ABSOLUTE_MIN_AGE
    high = policy.max_age if policy else ABSOLUTE_MAX_AGE
    if age < low:
        return [_("Mitmachen kannst du ab %(min)s Jahren; du bist %(age)s.") % {"min": low, "age": age}]
    if age > high:
        return [_("Die Börse vermittelt Jugendliche bis %(max)s Jahre; du bist %(age)s.")
                % {"max": high, "age": age}]
    return []


def _profile_is_complete(teen: TeenProfile) -> bool:
    if not (teen.first_name and teen.last_name and teen.birth_date and teen.postcode_id
            and teen.exchange_id):
        return False
    if teen.is_minor and not (teen.parent_name and teen.parent_email):
        return False
    return teen.availability.exists()


def current_consent(teen: TeenProfile) -> ParentalConsent | None:
    """The newest consent that was given and not revoked, if any."""
    for consent in teen.consents.filter(given_at__isnull=False, revoked_at__isnull=True):
        if consent.is_valid:
            return consent
    return None


def teen_has_consent(teen: TeenProfile) -> bool:
    return not teen.is_minor or current_consent(teen) is not None


def _set_status(teen: TeenProfile, status: str, reason: str = "") -> None:
    if teen.status != status:
        teen.status = status
        teen.status_reason = reason
        teen.status_changed_at = timezone.now()


def teen_refresh_status(*, teen: TeenProfile) -> None:
    """Move an undecided teen along the onboarding steps; ask for parental consent when it is
    missing. Decided statuses (active, paused, suspended) are left to coordinators."""
    from .consent import consent_request

    if teen.status in FINAL or teen.status in DECIDED:
        return
    if not _profile_is_complete(teen):
        _set_status(teen, TeenStatus.INCOMPLETE)
    elif not teen_has_consent(teen):
        _set_status(teen, TeenStatus.CONSENT_PENDING)
        open_request = teen.consents.filter(
            method=ConsentMethod.LINK, given_at__isnull=True, revoked_at__isnull=True,
            parent_email__iexact=teen.parent_email, expires_at__gt=timezone.now(),
        ).exists()
        if not open_request:
            teen.save()
            consent_request(teen=teen)
    else:
        _set_status(teen, TeenStatus.INTAKE_PENDING)
    teen.save()


@transaction.atomic
def teen_profile_update(*, teen: TeenProfile, data: dict, by: User) -> TeenProfile:
    """Change a teen's profile. `data` holds parsed values for any of: first_name, last_name,
    birth_date, in_compulsory_school, postcode (code), radius_km, interests (category slugs),
    availability (list of Slot), absences (list of Period), phone, parent_name, parent_email.
    Everything is validated first; on any error nothing is stored."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    teen = TeenProfile.objects.select_for_update().get(pk=teen.pk)
    if teen.status in FINAL:
        raise Conflict(_("Dieses Profil ist nicht mehr aktiv."))

    if teen.status in DECIDED and by.pk == teen.user_id:
        for field in LOCKED_AFTER_ACTIVATION & data.keys():
            if data[field] != getattr(teen, field):
                errors[field] = [_("Nach der Freischaltung kann das nur die Koordination ändern.")]

    exchange = teen.exchange
    if "postcode" in data:
        code = (data["postcode"] or "").strip()
        postcode = Postcode.objects.filter(code=code).first()
        exchange = exchange_for_postcode(code) if postcode else None
        if postcode is None:
            errors["postcode"] = [_("Die Postleitzahl %(code)s kennen wir nicht.") % {"code": code}]
        elif exchange is None:
            errors["postcode"] = [_("Für die Postleitzahl %(code)s gibt es noch keine "
                                    "Taschengeldbörse.") % {"code": code}]
    policy = exchange.policy if exchange else None

    birth_date = data.get("birth_date", teen.birth_date)
    if birth_date is not None and ("birth_date" in data or "postcode" in data):
        if age_errors := _check_age(birth_date, policy, today):
            errors.setdefault("birth_date", []).extend(age_errors)

    if "radius_km" in data and not 1 <= int(data["radius_km"]) <= 25:
        errors["radius_km"] = [_("Der Umkreis muss zwischen 1 und 25 km liegen.")]

    interests = None
    if "interests" in data:
        slugs = list(dict.fromkeys(data["interests"] or []))
        if exchange is None:
            if slugs:
                errors.setdefault("interests", []).append(
                    _("Interessen bitte erst nach der Postleitzahl wählen."))
        else:
            interests = list(Category.objects.filter(exchange=exchange, active=True, slug__in=slugs))
            unknown = sorted(set(slugs) - {c.slug for c in interests})
            if unknown:
                errors["interests"] = [_("Unbekannte Kategorien: %(slugs)s") % {"slugs": ", ".join(unknown)}]

    for key, validator in (("availability", validate_availability), ("absences", validate_absences)):
        if key in data:
            try:
                validator(data[key])
            except ValidationError as exc:
                errors.update(exc.message_dict)

    if errors:
        raise ValidationError(errors)

    old_exchange_id = teen.exchange_id
    for field in ("first_name", "last_name", "birth_date", "in_compulsory_school", "radius_km",
                  "phone", "parent_name", "parent_email"):
        if field in data:
            value = data[field]
            setattr(teen, field, value.strip() if isinstance(value, str) else value)
    if "postcode" in data:
        teen.postcode = postcode
        teen.exchange = exchange
    teen.save()
    if interests is not None:
        teen.interests.set(interests)
    if "availability" in data:
        teen.availability.all().delete()
        AvailabilitySlot.objects.bulk_create(
            [AvailabilitySlot(teen=teen, weekday=s.weekday, start=s.start, end=s.end)
             for s in data["availability"]])
    if "absences" in data:
        teen.absences.all().delete()
        Absence.objects.bulk_create(
            [Absence(teen=teen, start=p.start, end=p.end) for p in data["absences"]])

    if old_exchange_id is not None and teen.exchange_id != old_exchange_id and teen.status in DECIDED:
        # A move to another exchange's area needs that exchange's own verification.
        _set_status(teen, TeenStatus.INTAKE_PENDING, _("Umzug in das Gebiet einer anderen Börse"))
        audit_log(actor=by, action="marketplace.teen.moved", target=teen,
                  exchange_id=teen.exchange_id, subject_user_id=teen.user_id,
                  data={"from_exchange": old_exchange_id})
    teen_refresh_status(teen=teen)
    if by.pk != teen.user_id:
        audit_log(actor=by, action="marketplace.teen.profile_changed", target=teen,
                  exchange_id=teen.exchange_id, subject_user_id=teen.user_id,
                  data={"fields": sorted(data.keys())})
    return teen


class Decision:
    ACTIVATE = "activate"
    PAUSE = "pause"
    SUSPEND = "suspend"
    CHOICES = (ACTIVATE, PAUSE, SUSPEND)


@transaction.atomic
def teen_verify(
    *,
    teen: TeenProfile,
    by: User,
    decision: str,
    reason: str = "",
    intake_on: date | None = None,
    paper_consent: bool = False,
    insurance_confirmed_on: date | None = None,
    police_certificate_inspected_on: date | None = None,
    police_certificate_dated: date | None = None,
    police_certificate_clean: bool | None = None,
) -> TeenProfile:
    """A coordinator's decision on a teen: activate (when every requirement of the policy is
    met), pause or suspend (with a reason). Recorded facts (intake talk, paper consent,
    insurance, police certificate) are stored even when they are given with pause/suspend."""
    teen = TeenProfile.objects.select_for_update(of=("self",)).select_related("exchange__policy").get(pk=teen.pk)
    if teen.status in FINAL:
        raise Conflict(_("Dieses Profil ist nicht mehr aktiv."))
    if teen.exchange_id is None:
        raise Conflict(_("Das Profil ist noch unvollständig: Es fehlt die Postleitzahl."))
    policy = teen.exchange.policy
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if decision not in Decision.CHOICES:
        errors["decision"] = [_("Entscheidung muss „activate“, „pause“ oder „suspend“ sein.")]
    if decision in (Decision.PAUSE, Decision.SUSPEND) and not reason.strip():
        errors["reason"] = [_("Bitte eine Begründung angeben.")]
    for field, value in (("intake_on", intake_on), ("insurance_confirmed_on", insurance_confirmed_on),
                         ("police_certificate_inspected_on", police_certificate_inspected_on),
                         ("police_certificate_dated", police_certificate_dated)):
        if value is not None and value > today:
            errors[field] = [_("Das Datum darf nicht in der Zukunft liegen.")]
    if paper_consent and not teen.parent_name:
        errors["paper_consent"] = [_("Für eine Papier-Einwilligung fehlt der Name des Elternteils "
                                     "im Profil.")]
    if errors:
        raise ValidationError(errors)

    # Record the facts first; they are true whatever the decision.
    if intake_on:
        teen.intake_on = intake_on
    if insurance_confirmed_on:
        teen.insurance_confirmed_on = insurance_confirmed_on
    if police_certificate_inspected_on:
        teen.police_certificate_inspected_on = police_certificate_inspected_on
        teen.police_certificate_dated = police_certificate_dated
        teen.police_certificate_clean = police_certificate_clean
    if paper_consent and teen.is_minor and current_consent(teen) is None:
        from .consent import consent_record_paper

        consent_record_paper(teen=teen, by=by, parent_name=teen.parent_name)

    was_active = teen.status == TeenStatus.ACTIVE
    if decision == Decision.ACTIVATE:
        missing = teen_missing_requirements(teen=teen, policy=policy)
        if missing:
            raise ValidationError(missing)
        _set_status(teen, TeenStatus.ACTIVE, reason.strip())
    elif decision == Decision.PAUSE:
        _set_status(teen, TeenStatus.PAUSED, reason.strip())
    elif decision == Decision.SUSPEND:
        _set_status(teen, TeenStatus.SUSPENDED, reason.strip())
    teen.save()
    action = {"activate": "activated", "pause": "paused", "suspend": "suspended"}[decision]
    entry = audit_log(actor=by, action=f"marketplace.teen.{action}", target=teen,
                      exchange_id=teen.exchange_id, subject_user_id=teen.user_id,
                      data={"reason": reason.strip(), "intake_on": intake_on.isoformat() if intake_on else None,
                            "paper_consent": bool(paper_consent)})
    if decision == Decision.ACTIVATE and not was_active:
        notify.teen_activated(teen=teen, change_key=str(entry.pk))
    return teen


def teen_missing_requirements(*, teen: TeenProfile, policy: Policy) -> dict[str, list[str]]:
    """What still stands between this teen and activation, by field."""
    missing: dict[str, list[str]] = {}
    if not _profile_is_complete(teen):
        missing["status"] = [_("Das Profil ist noch unvollständig (Name, Geburtsdatum, "
                               "Postleitzahl, Verfügbarkeit, bei Minderjährigen Elternkontakt).")]
    else:
        age_errors = _check_age(teen.birth_date, policy, timezone.localdate())
        if age_errors:
            missing["birth_date"] = age_errors
    if teen.is_minor and current_consent(teen) is None:
        missing["paper_consent"] = [_("Die Einwilligung der Eltern fehlt. Sie kommt über den "
                                      "E-Mail-Link oder wird hier als Papier-Einwilligung erfasst.")]
    if policy.intake_required and teen.intake_on is None:
        missing["intake_on"] = [_("Bitte das Datum des Kennenlerngesprächs angeben.")]
    if policy.insurance_required and teen.insurance_confirmed_on is None:
        missing["insurance_confirmed_on"] = [_("Der Versicherungsnachweis ist noch nicht bestätigt.")]
    if policy.police_certificate_required and not (
        teen.police_certificate_inspected_on and teen.police_certificate_clean
    ):
        missing["police_certificate_inspected_on"] = [
            _("Ein eingesehenes Führungszeugnis ohne Eintrag ist erforderlich.")]
    return missing


@transaction.atomic
def teen_pause_self(*, teen: TeenProfile, paused: bool) -> TeenProfile:
    """A teen takes a break (no offers) or comes back. Only between active and paused: she
    cannot lift a coordinator's suspension."""
    teen = TeenProfile.objects.select_for_update().get(pk=teen.pk)
    if paused and teen.status == TeenStatus.ACTIVE:
        _set_status(teen, TeenStatus.PAUSED, SELF_PAUSE_REASON)
    elif not paused and teen.status == TeenStatus.PAUSED and teen.status_reason == SELF_PAUSE_REASON:
        _set_status(teen, TeenStatus.ACTIVE)
    else:
        raise Conflict(_("Das geht im Status „%(status)s“ nicht.") % {"status": teen.get_status_display()})
    teen.save()
    audit_log(actor=teen.user, action="marketplace.teen.paused" if paused else "marketplace.teen.resumed",
              target=teen, exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
    return teen
