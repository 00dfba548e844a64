"""An exchange's own settings, changed by its coordinators: the policy (DESIGN section 3), the
categories, contact data and office hours, and the school holidays.

Any coordinator of the exchange may read them; only a membership with `can_manage_settings`
may change them (the youth office decides who carries that responsibility). Every change is
checked against the law the engine applies (`matching.rules`) and against common sense, is
written under a lock on the exchange's row (two coordinators saving at once must not both pass
a check the other one's change breaks), and leaves one audit entry with the changed fields.

A change never touches a confirmed match: assignments stay valid as agreed. But a coordinator
must not learn from an angry phone call that a new rule forbids a job next week, so every
change that the engine reads (policy, categories, holidays) reports the confirmed future
assignments it newly puts against the rules (`SettingsChange.newly_unfit`).

Teens' feeds are cached per exchange version (`marketplace.feed_cache`); the post_save and
post_delete signals of Policy, Category and SchoolHoliday (`marketplace.signals`) raise it, so
every write here goes through `save()` / `delete()`, never `QuerySet.update()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.services import audit_log
from matching import rules
from matching.calendar import calendar_for

from ..matching_adapter import local, policies_for, teen_queryset, teens_to_engine, to_job
from ..models import (
    Assignment,
    AssignmentStatus,
    Category,
    CoordinatorMembership,
    Exchange,
    Policy,
    SchoolHoliday,
)

# ISO 3166-2:DE codes the `holidays` package knows, with the names a coordinator reads.
GERMAN_STATES = [
    ("BW", gettext_lazy("Baden-Württemberg")),
    ("BY", gettext_lazy("Bayern")),
    ("BE", gettext_lazy("Berlin")),
    ("BB", gettext_lazy("Brandenburg")),
    ("HB", gettext_lazy("Bremen")),
    ("HH", gettext_lazy("Hamburg")),
    ("HE", gettext_lazy("Hessen")),
    ("MV", gettext_lazy("Mecklenburg-Vorpommern")),
    ("NI", gettext_lazy("Niedersachsen")),
    ("NW", gettext_lazy("Nordrhein-Westfalen")),
    ("RP", gettext_lazy("Rheinland-Pfalz")),
    ("SL", gettext_lazy("Saarland")),
    ("SN", gettext_lazy("Sachsen")),
    ("ST", gettext_lazy("Sachsen-Anhalt")),
    ("SH", gettext_lazy("Schleswig-Holstein")),
    ("TH", gettext_lazy("Thüringen")),
]

POLICY_FIELDS = (
    "min_age", "max_age", "min_hourly_rate", "recommended_hourly_rate",
    "max_hours_per_day", "max_hours_per_week", "max_hours_per_month", "max_hours_per_year",
    "job_approval_required", "provider_vetting_required", "intake_required", "insurance_required",
    "police_certificate_required", "earliest_start_school_days", "holiday_state",
    "consent_link_valid_days", "max_job_offers_per_day", "inactivity_anonymise_after_days",
)
POLICY_OPTIONAL = {"max_hours_per_month", "max_hours_per_year"}
CONTACT_FIELDS = ("contact_email", "contact_phone", "address", "office_hours", "signatory")
CATEGORY_FIELDS = ("name", "min_age", "light_work_for_children", "not_allowed", "active", "position")

# § 5 Abs. 1 JArbSchG: nobody under 13 may be employed. The model allows 13 to 15 as the lower
# bound and 17 to 21 as the upper one (DESIGN section 3: "13, 14 or 15" and "17 to 21").
LAW_MIN_AGE = 13
POLICY_MIN_AGE_RANGE = (13, 15)
POLICY_MAX_AGE_RANGE = (17, 21)
# § 8 Abs. 1 JArbSchG: youths at most 8 hours a day and 40 hours a week; a policy cap above
# that would promise hours the engine never grants.
LAW_HOURS_PER_DAY = Decimal(8)
LAW_HOURS_PER_WEEK = Decimal(40)
# § 5 Abs. 3 JArbSchG: children only from 8 to 18 o'clock; "after school" outside that window
# would either mean nothing or close every school day.
SCHOOL_DAY_START_RANGE = (time(8, 0), time(18, 0))
# A typo guard, not a rule: no exchange pays pocket money of 50 € an hour.
MAX_HOURLY_RATE = Decimal(50)
CONSENT_DAYS_RANGE = (1, 60)
OFFERS_PER_DAY_RANGE = (0, 20)
# Data minimisation (DESIGN section 8): at least the model's 90 days, at most five years.
ANONYMISE_DAYS_RANGE = (90, 5 * 365)
CATEGORY_POSITION_MAX = 999
MAX_TEXT = 1000
PHONE_RE = re.compile(r"^[0-9+()/ .\-]*$")

# The engine's reasons that a rule of law, policy or category gives; the rest (availability,
# absences, overlaps, status, blocked pairs) are the teen's own affairs, not a settings change's.
RULE_CODES = frozenset({
    "too_young", "age_below_policy", "age_above_policy", "category_min_age", "not_light_work",
    "outside_allowed_hours", "school_time", "sunday", "public_holiday", "christmas_new_year_eve",
    "daily_legal_max", "weekly_legal_max", "daily_cap", "weekly_cap", "monthly_cap", "yearly_cap",
})


@dataclass(frozen=True)
class UnfitAssignment:
    """A confirmed future assignment and the rules it breaks today (German sentences)."""

    assignment: Assignment
    codes: frozenset[str]
    reasons: tuple[str, ...]


@dataclass
class SettingsChange:
    """What a settings service did: the object, the changed fields {field: [old, new]}, how
    many confirmed future assignments the exchange has, and those the change put against the
    rules (they stay valid; the coordinator decides)."""

    target: object
    changed: dict[str, list] = field(default_factory=dict)
    confirmed_future: int = 0
    newly_unfit: list[UnfitAssignment] = field(default_factory=list)


# --- the right -------------------------------------------------------------------------------


def may_manage_settings(*, user: User, exchange: Exchange) -> bool:
    if not user.is_authenticated:
        return False
    if user.role == Role.OPERATOR:
        return True  # the operator sets policies (DESIGN section 2); she works in the admin
    return (user.role == Role.COORDINATOR and CoordinatorMembership.objects.filter(
        user=user, exchange=exchange, can_manage_settings=True).exists())


def _require_right(by: User, exchange: Exchange) -> None:
    if not may_manage_settings(user=by, exchange=exchange):
        raise PermissionDenied(_(
            "Änderungen an den Einstellungen von %(exchange)s darf nur die Koordination mit dem Recht "
            "„Einstellungen ändern“ vornehmen. Das Recht vergibt der Betrieb der Plattform.")
            % {"exchange": exchange.name})


def _lock_exchange(exchange: Exchange) -> None:
    """One lock per exchange for all its settings: checks that span rows (overlapping holidays,
    unique category names, the last offered category) hold under concurrent requests."""
    Exchange.objects.select_for_update().filter(pk=exchange.pk).first()


def _plain(value):
    """A JSON-friendly value for the audit entry."""
    if isinstance(value, Decimal):
        return str(_trimmed(value))
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _diff(current, values: dict, fields) -> dict[str, list]:
    """{field: [old, new]} of the fields whose value changes, JSON-friendly for the audit entry."""
    return {name: [_plain(getattr(current, name)), _plain(values[name])]
            for name in fields if getattr(current, name) != values[name]}


def _euro(amount: Decimal) -> str:
    return number_format(amount, 2)


def _trimmed(amount: Decimal) -> Decimal:
    """8.00 → 8, 2.50 → 2.50: whole numbers without decimals (not `normalize`, which gives 1E+1)."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount


def _hours(amount: Decimal) -> str:
    return number_format(_trimmed(amount))


# --- confirmed assignments against the rules ---------------------------------------------------


def confirmed_assignments_check(*, exchange: Exchange) -> tuple[int, dict[int, UnfitAssignment]]:
    """The exchange's confirmed assignments that have not started yet: how many there are, and
    those that break a rule of law, policy or category as the database holds them now (by
    assignment id). Each assignment is judged at its agreed time, with the teen's other
    bookings (the hours add up, § 4 Abs. 5 JArbSchG) but without itself."""
    assignments = list(
        Assignment.objects.filter(job__exchange=exchange, status=AssignmentStatus.CONFIRMED,
                                  starts_at__gt=timezone.now())
        .select_related("job__category", "teen").order_by("starts_at", "id"))
    if not assignments:
        return 0, {}
    teens = {t.id: t for t in teens_to_engine(
        list(teen_queryset().filter(pk__in={a.teen_id for a in assignments})))}
    policy = policies_for([exchange.pk]).get(exchange.pk)
    if policy is None:
        return len(assignments), {}
    calendar = calendar_for(policy)
    unfit: dict[int, UnfitAssignment] = {}
    for assignment in assignments:
        teen = teens.get(assignment.teen_id)
        if teen is None:  # an anonymised or incomplete profile: nothing the engine can judge
            continue
        found = [r for r in rules.check(teen, to_job(assignment.job), local(assignment.starts_at),
                                        local(assignment.ends_at), policy, calendar)
                 if r.code in RULE_CODES]
        if found:
            unfit[assignment.pk] = UnfitAssignment(
                assignment=assignment, codes=frozenset(r.code for r in found),
                reasons=tuple(dict.fromkeys(r.message for r in found)))
    return len(assignments), unfit


def _newly_unfit(before: dict[int, UnfitAssignment], after: dict[int, UnfitAssignment]) -> list[UnfitAssignment]:
    """Assignments with a reason after the change that they did not have before: compared by
    code, since a sentence also changes when only its number does ("höchstens 2 Std.")."""
    return [u for pk, u in after.items() if u.codes - (before[pk].codes if pk in before else frozenset())]


# --- policy ------------------------------------------------------------------------------------


def _validate_policy(values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def need(name: str, message: str) -> bool:
        if values.get(name) is None:
            errors[name] = [message]
            return False
        return True

    if need("min_age", _("Bitte das Mindestalter angeben.")):
        low, high = POLICY_MIN_AGE_RANGE
        if values["min_age"] < LAW_MIN_AGE:
            errors["min_age"] = [_("Das Mindestalter muss mindestens 13 Jahre betragen: unter 13 Jahren ist "
                                   "keine Beschäftigung erlaubt (§ 5 Abs. 1 JArbSchG).")]
        elif values["min_age"] > high:
            errors["min_age"] = [_("Das Mindestalter darf höchstens %(max)s Jahre betragen.") % {"max": high}]
    if need("max_age", _("Bitte das Höchstalter angeben.")):
        low, high = POLICY_MAX_AGE_RANGE
        if not low <= values["max_age"] <= high:
            errors["max_age"] = [_("Das Höchstalter muss zwischen %(low)s und %(high)s Jahren liegen.")
                                 % {"low": low, "high": high}]
        elif "min_age" not in errors and values["min_age"] > values["max_age"]:
            errors["max_age"] = [_("Das Höchstalter darf nicht unter dem Mindestalter liegen.")]

    if need("min_hourly_rate", _("Bitte den Mindeststundensatz angeben.")):
        if values["min_hourly_rate"] <= 0:
            errors["min_hourly_rate"] = [_("Der Mindeststundensatz muss über 0 € liegen.")]
        elif values["min_hourly_rate"] > MAX_HOURLY_RATE:
            errors["min_hourly_rate"] = [_("Der Mindeststundensatz darf höchstens %(max)s € betragen – bitte die "
                                           "Eingabe prüfen.") % {"max": _euro(MAX_HOURLY_RATE)}]
    if need("recommended_hourly_rate", _("Bitte den empfohlenen Stundensatz angeben.")):
        if values["recommended_hourly_rate"] <= 0:
            errors["recommended_hourly_rate"] = [_("Der empfohlene Stundensatz muss über 0 € liegen.")]
        elif values["recommended_hourly_rate"] > MAX_HOURLY_RATE:
            errors["recommended_hourly_rate"] = [_(
                "Der empfohlene Stundensatz darf höchstens %(max)s € betragen – bitte die Eingabe prüfen.")
                % {"max": _euro(MAX_HOURLY_RATE)}]
    if ("min_hourly_rate" not in errors and "recommended_hourly_rate" not in errors
            and values["min_hourly_rate"] > values["recommended_hourly_rate"]):
        errors["min_hourly_rate"] = [_("Der Mindeststundensatz darf nicht über dem empfohlenen Stundensatz "
                                       "(%(rec)s €) liegen.") % {"rec": _euro(values["recommended_hourly_rate"])}]

    # Hours: each cap positive, within the law, and day ≤ week ≤ month ≤ year where set.
    if need("max_hours_per_day", _("Bitte die Höchststunden pro Tag angeben.")):
        if values["max_hours_per_day"] <= 0:
            errors["max_hours_per_day"] = [_("Die Höchststunden pro Tag müssen über 0 liegen.")]
        elif values["max_hours_per_day"] > LAW_HOURS_PER_DAY:
            errors["max_hours_per_day"] = [_("Die Höchststunden pro Tag dürfen 8 nicht übersteigen: Jugendliche "
                                             "arbeiten höchstens 8 Stunden am Tag (§ 8 Abs. 1 JArbSchG).")]
    if need("max_hours_per_week", _("Bitte die Höchststunden pro Woche angeben.")):
        if values["max_hours_per_week"] <= 0:
            errors["max_hours_per_week"] = [_("Die Höchststunden pro Woche müssen über 0 liegen.")]
        elif values["max_hours_per_week"] > LAW_HOURS_PER_WEEK:
            errors["max_hours_per_week"] = [_("Die Höchststunden pro Woche dürfen 40 nicht übersteigen: "
                                              "Jugendliche arbeiten höchstens 40 Stunden in der Woche "
                                              "(§ 8 Abs. 1 JArbSchG).")]
    labels = {
        "max_hours_per_day": _("pro Tag"), "max_hours_per_week": _("pro Woche"),
        "max_hours_per_month": _("pro Monat"), "max_hours_per_year": _("pro Jahr"),
    }
    for name in ("max_hours_per_month", "max_hours_per_year"):
        value = values.get(name)
        if value is not None and value <= 0:
            errors[name] = [_("Die Höchststunden %(per)s müssen über 0 liegen oder leer bleiben.")
                            % {"per": labels[name]}]
    order = ["max_hours_per_day", "max_hours_per_week", "max_hours_per_month", "max_hours_per_year"]
    previous = None
    for name in order:
        value = values.get(name)
        if value is None or name in errors:
            continue
        if previous is not None and value < values[previous]:
            errors[name] = [_("Die Höchststunden %(per)s dürfen nicht unter denen %(smaller)s (%(hours)s) liegen.")
                            % {"per": labels[name], "smaller": labels[previous], "hours": _hours(values[previous])}]
            continue
        previous = name

    if need("earliest_start_school_days", _("Bitte den frühesten Beginn an Schultagen angeben.")):
        low, high = SCHOOL_DAY_START_RANGE
        if not low <= values["earliest_start_school_days"] <= high:
            errors["earliest_start_school_days"] = [_(
                "Der früheste Beginn an Schultagen muss zwischen 8 und 18 Uhr liegen: Kinder dürfen nur von 8 "
                "bis 18 Uhr helfen (§ 5 Abs. 3 JArbSchG).")]
    if values.get("holiday_state") not in dict(GERMAN_STATES):
        errors["holiday_state"] = [_("Bitte ein Bundesland für die Feiertage wählen.")]
    for name, (low, high), message in (
        ("consent_link_valid_days", CONSENT_DAYS_RANGE,
         _("Der Einwilligungslink muss zwischen %(low)s und %(high)s Tagen gültig sein.")),
        ("max_job_offers_per_day", OFFERS_PER_DAY_RANGE,
         _("Die Auftragsangebote pro Tag müssen zwischen %(low)s und %(high)s liegen.")),
        ("inactivity_anonymise_after_days", ANONYMISE_DAYS_RANGE,
         _("Die Anonymisierung nach Inaktivität muss zwischen %(low)s und %(high)s Tagen liegen.")),
    ):
        value = values.get(name)
        if value is None or not low <= value <= high:
            errors[name] = [message % {"low": low, "high": high}]
    return errors


@transaction.atomic
def policy_update(*, policy: Policy, by: User, data: dict) -> SettingsChange:
    """Change the exchange's policy. `data` holds any of `POLICY_FIELDS`; the others keep their
    value. Validates the whole result, saves the changed fields, logs {field: [old, new]}."""
    exchange = policy.exchange
    _require_right(by, exchange)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Dieses Feld gibt es nicht.")] for name in sorted(unknown)})
    _lock_exchange(exchange)
    current = Policy.objects.get(pk=policy.pk)
    values = {name: getattr(current, name) for name in POLICY_FIELDS}
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip().upper() if name == "holiday_state" else value.strip()
        values[name] = None if value == "" and name in POLICY_OPTIONAL else value
    errors = _validate_policy(values)
    if errors:
        raise ValidationError(errors)
    changed = _diff(current, values, POLICY_FIELDS)
    if not changed:
        return SettingsChange(target=current)
    before = confirmed_assignments_check(exchange=exchange)[1]
    for name in changed:
        setattr(current, name, values[name])
    current.save(update_fields=list(changed))  # post_save → teens' feeds are rebuilt
    for name in changed:
        setattr(policy, name, values[name])
    count, after = confirmed_assignments_check(exchange=exchange)
    audit_log(actor=by, action="marketplace.exchange.policy_changed", target=exchange, exchange_id=exchange.pk,
              data=changed)
    return SettingsChange(target=current, changed=changed, confirmed_future=count,
                          newly_unfit=_newly_unfit(before, after))


# --- contact data --------------------------------------------------------------------------------


@transaction.atomic
def exchange_contact_update(*, exchange: Exchange, by: User, data: dict) -> SettingsChange:
    """Contact e-mail and phone, postal address, office hours and the name printed under
    certificates. The audit entry names the changed fields only: a phone number or a name
    has no place in the log."""
    _require_right(by, exchange)
    values = {name: getattr(exchange, name) for name in CONTACT_FIELDS}
    for name, value in data.items():
        if name not in CONTACT_FIELDS:
            raise ValidationError({name: [_("Dieses Feld gibt es nicht.")]})
        values[name] = (value or "").strip()
    errors: dict[str, list[str]] = {}
    values["contact_email"] = values["contact_email"].lower()
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = [_("Die Kontakt-E-Mail ist keine gültige E-Mail-Adresse.")]
    if len(values["contact_phone"]) > 40 or not PHONE_RE.match(values["contact_phone"]):
        errors["contact_phone"] = [_("Das Kontakttelefon darf nur Ziffern, Leerzeichen und + ( ) / - enthalten "
                                     "(höchstens 40 Zeichen).")]
    for name, label in (("address", _("Die Anschrift")), ("office_hours", _("Die Sprechzeiten"))):
        if len(values[name]) > MAX_TEXT:
            errors[name] = [_("%(what)s darf höchstens %(max)s Zeichen lang sein.") % {"what": label, "max": MAX_TEXT}]
    if len(values["signatory"]) > 120:
        errors["signatory"] = [_("Die Unterschriftszeile darf höchstens 120 Zeichen lang sein.")]
    if errors:
        raise ValidationError(errors)
    _lock_exchange(exchange)
    current = Exchange.objects.get(pk=exchange.pk)
    changed = [name for name in CONTACT_FIELDS if getattr(current, name) != values[name]]
    if not changed:
        return SettingsChange(target=exchange)
    for name in changed:
        setattr(exchange, name, values[name])
    exchange.save(update_fields=changed)
    audit_log(actor=by, action="marketplace.exchange.contact_changed", target=exchange, exchange_id=exchange.pk,
              data={"fields": changed})
    return SettingsChange(target=exchange, changed={name: [] for name in changed})


# --- categories ----------------------------------------------------------------------------------


def _category_slug(exchange: Exchange, name: str) -> str:
    """A slug from the German name (ä → ae, ß → ss), made unique within the exchange."""
    german = name.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        german = german.replace(umlaut, plain)
    base = slugify(german)[:40].strip("-") or "kategorie"
    taken = set(Category.objects.filter(exchange=exchange, slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _validate_category(exchange: Exchange, values: dict, *, category: Category | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = values["name"]
    if not name:
        errors["name"] = [_("Bitte eine Bezeichnung angeben.")]
    elif len(name) > 80:
        errors["name"] = [_("Die Bezeichnung darf höchstens 80 Zeichen lang sein.")]
    else:
        same = Category.objects.filter(exchange=exchange, name__iexact=name)
        if category is not None:
            same = same.exclude(pk=category.pk)
        if same.exists():
            errors["name"] = [_("Eine Kategorie mit der Bezeichnung „%(name)s“ gibt es schon.") % {"name": name}]
    max_age = exchange.policy.max_age
    min_age = values["min_age"]
    if min_age is None:
        errors["min_age"] = [_("Bitte das Mindestalter angeben.")]
    elif min_age < LAW_MIN_AGE:
        errors["min_age"] = [_("Das Mindestalter muss mindestens 13 Jahre betragen: unter 13 Jahren ist keine "
                               "Beschäftigung erlaubt (§ 5 Abs. 1 JArbSchG).")]
    elif min_age > max_age:
        errors["min_age"] = [_("Das Mindestalter darf nicht über dem Höchstalter der Börse (%(max)s Jahre) liegen – "
                               "sonst könnte niemand diese Aufträge übernehmen.") % {"max": max_age}]
    if len(values["not_allowed"]) > MAX_TEXT:
        errors["not_allowed"] = [_("„Nicht erlaubt“ darf höchstens %(max)s Zeichen lang sein.") % {"max": MAX_TEXT}]
    position = values["position"]
    if position is None or not 0 <= position <= CATEGORY_POSITION_MAX:
        errors["position"] = [_("Die Reihenfolge muss eine Zahl von 0 bis %(max)s sein.")
                              % {"max": CATEGORY_POSITION_MAX}]
    if not values["active"] and (category is None or category.active):
        others = Category.objects.filter(exchange=exchange, active=True)
        if category is not None:
            others = others.exclude(pk=category.pk)
        if not others.exists():
            errors["active"] = [_("Mindestens eine Kategorie muss angeboten werden, sonst kann niemand einen "
                                  "Auftrag einstellen.")]
    return errors


def _category_values(data: dict, defaults: dict) -> dict:
    values = dict(defaults)
    for name, value in data.items():
        if name not in CATEGORY_FIELDS:
            raise ValidationError({name: [_("Dieses Feld gibt es nicht.")]})
        values[name] = value.strip() if isinstance(value, str) else value
    values["not_allowed"] = values["not_allowed"] or ""
    values["name"] = values["name"] or ""
    return values


@transaction.atomic
def category_create(*, exchange: Exchange, by: User, data: dict) -> SettingsChange:
    """A new category; its slug (what the API and teens' interests use) comes from the name and
    never changes afterwards."""
    _require_right(by, exchange)
    _lock_exchange(exchange)
    last = Category.objects.filter(exchange=exchange).order_by("-position").values_list("position", flat=True).first()
    values = _category_values(data, {
        "name": "", "min_age": exchange.policy.min_age, "light_work_for_children": True, "not_allowed": "",
        "active": True, "position": min((last or 0) + 1, CATEGORY_POSITION_MAX),
    })
    errors = _validate_category(exchange, values, category=None)
    if errors:
        raise ValidationError(errors)
    category = Category.objects.create(exchange=exchange, slug=_category_slug(exchange, values["name"]), **values)
    changed = {name: [None, _plain(values[name])] for name in CATEGORY_FIELDS}
    audit_log(actor=by, action="marketplace.exchange.category_added", target=category, exchange_id=exchange.pk,
              data={"slug": category.slug, **changed})
    return SettingsChange(target=category, changed=changed)


@transaction.atomic
def category_update(*, category: Category, by: User, data: dict) -> SettingsChange:
    """Change a category. Switching it off hides it from new jobs and the API; jobs already in it
    stay as they are."""
    exchange = category.exchange
    _require_right(by, exchange)
    _lock_exchange(exchange)
    current = Category.objects.get(pk=category.pk)
    values = _category_values(data, {name: getattr(current, name) for name in CATEGORY_FIELDS})
    errors = _validate_category(exchange, values, category=current)
    if errors:
        raise ValidationError(errors)
    changed = _diff(current, values, CATEGORY_FIELDS)
    if not changed:
        return SettingsChange(target=category)
    before = confirmed_assignments_check(exchange=exchange)[1]
    for name in changed:
        setattr(category, name, values[name])
    category.save(update_fields=list(changed))
    count, after = confirmed_assignments_check(exchange=exchange)
    audit_log(actor=by, action="marketplace.exchange.category_changed", target=category, exchange_id=exchange.pk,
              data={"slug": category.slug, **changed})
    return SettingsChange(target=category, changed=changed, confirmed_future=count,
                          newly_unfit=_newly_unfit(before, after))


# --- school holidays -----------------------------------------------------------------------------


@transaction.atomic
def school_holiday_add(*, exchange: Exchange, by: User, name: str, start: date | None,
                       end: date | None) -> SettingsChange:
    """A range of school holidays (both ends included). On those days teens treated as children
    may help before the policy's earliest start on school days."""
    _require_right(by, exchange)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Bitte eine Bezeichnung angeben, z. B. „Herbstferien“.")]
    elif len(name) > 80:
        errors["name"] = [_("Die Bezeichnung darf höchstens 80 Zeichen lang sein.")]
    if start is None:
        errors["start"] = [_("Bitte den ersten Ferientag angeben.")]
    if end is None:
        errors["end"] = [_("Bitte den letzten Ferientag angeben.")]
    if start is not None and end is not None and start > end:
        errors["end"] = [_("Der letzte Ferientag darf nicht vor dem ersten liegen.")]
    if errors:
        raise ValidationError(errors)
    _lock_exchange(exchange)
    clash = (SchoolHoliday.objects.filter(exchange=exchange, start__lte=end, end__gte=start)
             .order_by("start").first())
    if clash is not None:
        raise ValidationError({"start": [_("Der Zeitraum überschneidet sich mit „%(name)s“ (%(start)s–%(end)s).") % {
            "name": clash.name, "start": f"{clash.start:%d.%m.%Y}", "end": f"{clash.end:%d.%m.%Y}"}]})
    before = confirmed_assignments_check(exchange=exchange)[1]
    holiday = SchoolHoliday.objects.create(exchange=exchange, name=name, start=start, end=end)
    count, after = confirmed_assignments_check(exchange=exchange)
    data = {"name": name, "start": start.isoformat(), "end": end.isoformat()}
    audit_log(actor=by, action="marketplace.exchange.holiday_added", target=exchange, exchange_id=exchange.pk,
              data=data)
    return SettingsChange(target=holiday, changed={k: [None, v] for k, v in data.items()}, confirmed_future=count,
                          newly_unfit=_newly_unfit(before, after))


@transaction.atomic
def school_holiday_delete(*, holiday: SchoolHoliday, by: User) -> SettingsChange:
    """Remove a range: its days become school days again, so a child's morning job on one of
    them may break the rules (reported, the assignment stays)."""
    exchange = holiday.exchange
    _require_right(by, exchange)
    _lock_exchange(exchange)
    before = confirmed_assignments_check(exchange=exchange)[1]
    data = {"name": holiday.name, "start": holiday.start.isoformat(), "end": holiday.end.isoformat()}
    holiday.delete()
    count, after = confirmed_assignments_check(exchange=exchange)
    audit_log(actor=by, action="marketplace.exchange.holiday_deleted", target=exchange, exchange_id=exchange.pk,
              data=data)
    return SettingsChange(target=exchange, changed={k: [v, None] for k, v in data.items()}, confirmed_future=count,
                          newly_unfit=_newly_unfit(before, after))
