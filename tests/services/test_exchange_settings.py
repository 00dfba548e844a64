"""The exchange settings services: policy, categories, contact data, school holidays. Each one
checks the right, refuses what law or common sense forbid (German message on the field, nothing
saved), logs what changed, and tells which confirmed future assignments the change puts against
the rules (they stay confirmed)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import Assignment, AssignmentStatus, AvailabilitySlot, Category, Policy, SchoolHoliday
from marketplace.selectors import why_not_for
from marketplace.services.exchange_settings import (
    category_create,
    category_update,
    confirmed_assignments_check,
    exchange_contact_update,
    policy_update,
    school_holiday_add,
    school_holiday_delete,
)
from marketplace.services.jobs import assignment_create_direct, job_create
from matching.calendar import Calendar
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NW = Calendar(state="NW")


def next_day(weekdays, *, after=1):
    """The next day (from `after` days on) on one of `weekdays` that is no public holiday in NW
    and no 24/31 December, so that the tests pass on every date of the year."""
    day = timezone.localdate() + timedelta(days=after)
    while day.weekday() not in weekdays or NW.public_holiday(day) or (day.month, day.day) in {(12, 24), (12, 31)}:
        day += timedelta(days=1)
    return day


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def manager(exchange):
    return make_coordinator(exchange, email="leitung@example.org", can_manage_settings=True)


@pytest.fixture
def colleague(exchange):
    return make_coordinator(exchange, email="kollegin@example.org", can_manage_settings=False)


@pytest.fixture
def policy(exchange):
    return exchange.policy


def saturday_job(exchange, manager, *, start=11, end=12, minutes=30, category="garden"):
    provider = make_provider(exchange)
    day = next_day({5})
    return job_create(provider=provider, by=manager, data={
        "category": category, "title": "Laub rechen", "description": "Im Vorgarten",
        "starts_at": at(day, start), "ends_at": at(day, end, minutes), "hourly_rate": Decimal("8.00"),
        "helpers_needed": 1})


# --- policy ----------------------------------------------------------------------------------


def test_a_coordinator_with_the_right_changes_the_policy_and_the_change_is_logged_with_old_and_new(
    manager, policy, exchange
):
    change = policy_update(policy=policy, by=manager, data={
        "min_hourly_rate": Decimal("6.50"), "max_hours_per_week": Decimal("8"), "holiday_state": "nw"})
    policy.refresh_from_db()
    assert (policy.min_hourly_rate, policy.max_hours_per_week) == (Decimal("6.50"), Decimal("8"))
    entry = AuditEntry.objects.get(action="marketplace.exchange.policy_changed")
    assert entry.actor == manager and entry.exchange_id == exchange.pk
    assert entry.data == {"min_hourly_rate": ["5", "6.50"], "max_hours_per_week": ["10", "8"]}
    assert change.changed == entry.data


def test_saving_the_same_values_changes_and_logs_nothing(manager, policy):
    change = policy_update(policy=policy, by=manager, data={"min_age": 14, "min_hourly_rate": Decimal("5.00")})
    assert change.changed == {}
    assert not AuditEntry.objects.filter(action="marketplace.exchange.policy_changed").exists()


def test_a_coordinator_without_the_right_cannot_change_the_policy(colleague, policy):
    with pytest.raises(PermissionDenied, match="Einstellungen ändern"):
        policy_update(policy=policy, by=colleague, data={"min_hourly_rate": Decimal("7")})
    policy.refresh_from_db()
    assert policy.min_hourly_rate == Decimal("5.00")


def test_a_coordinator_of_another_exchange_cannot_change_the_policy(other_exchange, policy):
    stranger = make_coordinator(other_exchange, can_manage_settings=True)
    with pytest.raises(PermissionDenied):
        policy_update(policy=policy, by=stranger, data={"min_age": 15})


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"min_age": 12}, "min_age", "unter 13 Jahren ist keine Beschäftigung erlaubt"),
    ({"min_age": 16}, "min_age", "Mindestalter darf höchstens 15"),
    ({"max_age": 25}, "max_age", "Höchstalter muss zwischen 17 und 21"),
    ({"min_hourly_rate": Decimal("0")}, "min_hourly_rate", "Mindeststundensatz muss über 0 €"),
    ({"min_hourly_rate": Decimal("9")}, "min_hourly_rate", "nicht über dem empfohlenen Stundensatz"),
    ({"recommended_hourly_rate": Decimal("80")}, "recommended_hourly_rate", "höchstens 50,00 €"),
    ({"max_hours_per_day": Decimal("9")}, "max_hours_per_day", "§ 8 Abs. 1 JArbSchG"),
    ({"max_hours_per_week": Decimal("41")}, "max_hours_per_week", "höchstens 40 Stunden"),
    ({"max_hours_per_day": Decimal("6"), "max_hours_per_week": Decimal("5")}, "max_hours_per_week",
     "pro Woche dürfen nicht unter denen pro Tag"),
    ({"max_hours_per_month": Decimal("8")}, "max_hours_per_month", "pro Monat dürfen nicht unter denen pro Woche"),
    ({"max_hours_per_month": Decimal("30"), "max_hours_per_year": Decimal("20")}, "max_hours_per_year",
     "pro Jahr dürfen nicht unter denen pro Monat"),
    ({"max_hours_per_year": Decimal("0")}, "max_hours_per_year", "pro Jahr müssen über 0 liegen"),
    ({"earliest_start_school_days": time(7, 30)}, "earliest_start_school_days", "zwischen 8 und 18 Uhr"),
    ({"earliest_start_school_days": None}, "earliest_start_school_days", "frühesten Beginn"),
    ({"holiday_state": "XY"}, "holiday_state", "Bundesland"),
    ({"consent_link_valid_days": 61}, "consent_link_valid_days", "Einwilligungslink"),
    ({"max_job_offers_per_day": -1}, "max_job_offers_per_day", "Auftragsangebote"),
    ({"inactivity_anonymise_after_days": 30}, "inactivity_anonymise_after_days", "Anonymisierung"),
])
def test_the_policy_refuses_what_law_or_common_sense_forbid_and_saves_nothing(manager, policy, data, field, words):
    before = {f.name: getattr(policy, f.name) for f in Policy._meta.fields}
    with pytest.raises(ValidationError) as caught:
        policy_update(policy=policy, by=manager, data={**data, "max_age": data.get("max_age", 20),
                                                       "min_hourly_rate": data.get("min_hourly_rate", Decimal("5"))})
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    policy.refresh_from_db()
    assert {f.name: getattr(policy, f.name) for f in Policy._meta.fields} == before
    assert not AuditEntry.objects.filter(action="marketplace.exchange.policy_changed").exists()


def test_month_and_year_caps_are_optional_and_can_be_cleared(manager, policy):
    policy_update(policy=policy, by=manager, data={"max_hours_per_month": Decimal("30"),
                                                   "max_hours_per_year": Decimal("200")})
    policy_update(policy=policy, by=manager, data={"max_hours_per_month": None, "max_hours_per_year": ""})
    policy.refresh_from_db()
    assert (policy.max_hours_per_month, policy.max_hours_per_year) == (None, None)


def test_a_new_minimum_hourly_rate_is_enforced_when_a_job_is_created(manager, policy, exchange):
    policy_update(policy=policy, by=manager, data={"min_hourly_rate": Decimal("7.50"),
                                                   "recommended_hourly_rate": Decimal("9")})
    provider = make_provider(exchange)
    day = next_day({5})
    data = {"category": "garden", "title": "Laub rechen", "description": "", "starts_at": at(day, 11),
            "ends_at": at(day, 12), "hourly_rate": Decimal("7.00"), "helpers_needed": 1}
    with pytest.raises(ValidationError) as caught:
        job_create(provider=provider, by=provider.user, data=data)
    assert "mindestens 7,50 €" in caught.value.message_dict["hourly_rate"][0]
    assert job_create(provider=provider, by=provider.user, data={**data, "hourly_rate": Decimal("7.50")}).pk


def test_a_policy_change_reports_the_confirmed_future_assignments_it_puts_against_the_rules(
    manager, policy, exchange
):
    long_job = saturday_job(exchange, manager, start=11, end=12, minutes=30)  # 1.5 hours
    short_job = saturday_job(exchange, manager, start=14, end=15, minutes=0)
    lena = make_teen(exchange, age=16, first_name="Lena")
    ida = make_teen(exchange, age=16, first_name="Ida")
    long_assignment = assignment_create_direct(job=long_job, teen=lena, by=manager)
    assignment_create_direct(job=short_job, teen=ida, by=manager)

    change = policy_update(policy=policy, by=manager, data={"max_hours_per_day": Decimal("1")})

    assert change.confirmed_future == 2
    assert [u.assignment.pk for u in change.newly_unfit] == [long_assignment.pk]
    assert "die Börse erlaubt höchstens 1 Std. am Tag" in change.newly_unfit[0].reasons[0]
    # Existing matches stay valid: nothing is cancelled behind anybody's back.
    assert set(Assignment.objects.values_list("status", flat=True)) == {AssignmentStatus.CONFIRMED}
    # The next change that does not touch the hours reports nothing new.
    assert policy_update(policy=policy, by=manager, data={"consent_link_valid_days": 10}).newly_unfit == []


def test_raising_the_minimum_age_takes_a_job_out_of_a_younger_teen_s_feed(manager, policy, exchange, settings):
    from rest_framework.test import APIClient

    settings.FEED_CACHE_SECONDS = 300
    job = saturday_job(exchange, manager)
    teen = make_teen(exchange, age=14, first_name="Mia")
    client = APIClient()
    client.force_authenticate(teen.user)
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [job.pk]

    policy_update(policy=policy, by=manager, data={"min_age": 15})

    assert client.get("/api/v1/jobs/").json()["results"] == []


# --- contact data -----------------------------------------------------------------------------


def test_contact_data_are_saved_and_the_log_names_the_fields_but_not_the_values(manager, exchange):
    exchange_contact_update(exchange=exchange, by=manager, data={
        "contact_email": " Boerse@Kreis-Dueren.de ", "contact_phone": "02421 22-0", "address": "Bismarckstr. 16",
        "office_hours": "Di 10–12 Uhr", "signatory": "Maria Schmitz, Koordination"})
    exchange.refresh_from_db()
    assert exchange.contact_email == "boerse@kreis-dueren.de"
    assert exchange.signatory == "Maria Schmitz, Koordination"
    entry = AuditEntry.objects.get(action="marketplace.exchange.contact_changed")
    assert sorted(entry.data["fields"]) == ["address", "contact_email", "contact_phone", "office_hours", "signatory"]
    assert "Maria" not in str(entry.data) and "02421" not in str(entry.data)


def test_a_wrong_e_mail_address_or_phone_number_is_refused(manager, colleague, exchange):
    with pytest.raises(ValidationError) as caught:
        exchange_contact_update(exchange=exchange, by=manager, data={"contact_email": "boerse@", "contact_phone": "x"})
    assert "Kontakt-E-Mail" in caught.value.message_dict["contact_email"][0]
    assert "Kontakttelefon" in caught.value.message_dict["contact_phone"][0]
    with pytest.raises(PermissionDenied):
        exchange_contact_update(exchange=exchange, by=colleague, data={"office_hours": "nie"})
    exchange.refresh_from_db()
    assert (exchange.contact_email, exchange.office_hours) == ("", "")


# --- categories --------------------------------------------------------------------------------


def test_a_new_category_gets_a_slug_from_its_german_name_unique_within_the_exchange(manager, exchange, other_exchange):
    first = category_create(exchange=exchange, by=manager, data={"name": "Gießen im Grünen", "min_age": 14}).target
    second = category_create(exchange=exchange, by=manager, data={"name": "Giessen im Gruenen!", "min_age": 14}).target
    assert (first.slug, second.slug) == ("giessen-im-gruenen", "giessen-im-gruenen-2")
    assert first.position == Category.objects.filter(exchange=exchange).count() - 2
    entry = AuditEntry.objects.filter(action="marketplace.exchange.category_added").order_by("id").first()
    assert entry.data["slug"] == "giessen-im-gruenen" and entry.data["name"] == [None, "Gießen im Grünen"]
    other_manager = make_coordinator(other_exchange, can_manage_settings=True)
    assert category_create(exchange=other_exchange, by=other_manager,
                           data={"name": "Gießen im Grünen", "min_age": 14}).target.slug == "giessen-im-gruenen"


def test_a_category_name_exists_once_per_exchange(manager, exchange):
    with pytest.raises(ValidationError) as caught:
        category_create(exchange=exchange, by=manager, data={"name": "garten", "min_age": 14})
    assert "gibt es schon" in caught.value.message_dict["name"][0]


def test_a_category_below_the_law_s_minimum_age_is_refused_below_the_policy_s_is_allowed(manager, exchange):
    garden = Category.objects.get(exchange=exchange, slug="garden")
    with pytest.raises(ValidationError) as caught:
        category_update(category=garden, by=manager, data={"min_age": 12})
    assert "unter 13 Jahren ist keine Beschäftigung erlaubt" in caught.value.message_dict["min_age"][0]
    with pytest.raises(ValidationError) as caught:
        category_update(category=garden, by=manager, data={"min_age": 22})
    assert "Höchstalter der Börse (20 Jahre)" in caught.value.message_dict["min_age"][0]
    garden.refresh_from_db()
    assert garden.min_age == 14
    category_update(category=garden, by=manager, data={"min_age": 13})
    garden.refresh_from_db()
    assert garden.min_age == 13


def test_a_category_change_is_logged_with_old_and_new_values(manager, exchange):
    garden = Category.objects.get(exchange=exchange, slug="garden")
    category_update(category=garden, by=manager, data={"name": "Gartenarbeit", "active": False, "position": 9})
    entry = AuditEntry.objects.get(action="marketplace.exchange.category_changed")
    assert entry.data == {"slug": "garden", "name": ["Garten", "Gartenarbeit"], "active": [True, False],
                          "position": [0, 9]}


def test_the_last_offered_category_cannot_be_switched_off(manager, exchange):
    *others, last = list(Category.objects.filter(exchange=exchange))
    for category in others:
        category_update(category=category, by=manager, data={"active": False})
    with pytest.raises(ValidationError) as caught:
        category_update(category=last, by=manager, data={"active": False})
    assert "Mindestens eine Kategorie" in caught.value.message_dict["active"][0]


def test_a_category_is_changed_only_by_a_coordinator_with_the_right(colleague, exchange):
    garden = Category.objects.get(exchange=exchange, slug="garden")
    with pytest.raises(PermissionDenied):
        category_update(category=garden, by=colleague, data={"active": False})
    with pytest.raises(PermissionDenied):
        category_create(exchange=exchange, by=colleague, data={"name": "Neu", "min_age": 14})
    garden.refresh_from_db()
    assert garden.active and not Category.objects.filter(name="Neu").exists()


def test_raising_a_category_s_minimum_age_reports_the_assignment_of_a_younger_teen(manager, exchange):
    job = saturday_job(exchange, manager)
    assignment = assignment_create_direct(job=job, teen=make_teen(exchange, age=15), by=manager)
    garden = Category.objects.get(exchange=exchange, slug="garden")
    change = category_update(category=garden, by=manager, data={"min_age": 16})
    assert [u.assignment for u in change.newly_unfit] == [assignment]
    assert "erst ab 16 Jahren" in change.newly_unfit[0].reasons[0]


# --- school holidays ------------------------------------------------------------------------------


def test_a_school_holiday_is_added_and_deleted_and_both_are_logged(manager, exchange):
    start = timezone.localdate() + timedelta(days=30)
    change = school_holiday_add(exchange=exchange, by=manager, name="Herbstferien", start=start,
                                end=start + timedelta(days=13))
    holiday = change.target
    assert SchoolHoliday.objects.get(exchange=exchange) == holiday
    added = AuditEntry.objects.get(action="marketplace.exchange.holiday_added")
    assert added.data == {"name": "Herbstferien", "start": start.isoformat(),
                          "end": (start + timedelta(days=13)).isoformat()}
    school_holiday_delete(holiday=holiday, by=manager)
    assert not SchoolHoliday.objects.exists()
    assert AuditEntry.objects.get(action="marketplace.exchange.holiday_deleted").data == added.data


@pytest.mark.parametrize(("name", "offset", "length", "field", "words"), [
    ("", 0, 3, "name", "Bezeichnung"),
    ("Ferien", 0, -1, "end", "nicht vor dem ersten"),
    ("Ferien", 5, 10, "start", "überschneidet sich mit „Herbstferien“"),
    ("Ferien", -5, 5, "start", "überschneidet sich mit „Herbstferien“"),
    ("Ferien", 13, 0, "start", "überschneidet sich"),
])
def test_a_wrong_or_overlapping_holiday_is_refused(manager, exchange, name, offset, length, field, words):
    start = timezone.localdate() + timedelta(days=30)
    school_holiday_add(exchange=exchange, by=manager, name="Herbstferien", start=start, end=start + timedelta(days=13))
    first = start + timedelta(days=offset)
    with pytest.raises(ValidationError) as caught:
        school_holiday_add(exchange=exchange, by=manager, name=name, start=first, end=first + timedelta(days=length))
    assert words in caught.value.message_dict[field][0]
    assert SchoolHoliday.objects.count() == 1


def test_a_holiday_right_after_another_is_fine(manager, exchange):
    start = timezone.localdate() + timedelta(days=30)
    school_holiday_add(exchange=exchange, by=manager, name="Herbstferien", start=start, end=start + timedelta(days=13))
    school_holiday_add(exchange=exchange, by=manager, name="Brückentag", start=start + timedelta(days=14),
                       end=start + timedelta(days=14))
    assert SchoolHoliday.objects.count() == 2


def test_holidays_are_changed_only_by_a_coordinator_with_the_right(manager, colleague, exchange):
    start = timezone.localdate() + timedelta(days=30)
    with pytest.raises(PermissionDenied):
        school_holiday_add(exchange=exchange, by=colleague, name="Ferien", start=start, end=start)
    holiday = school_holiday_add(exchange=exchange, by=manager, name="Ferien", start=start, end=start).target
    with pytest.raises(PermissionDenied):
        school_holiday_delete(holiday=holiday, by=colleague)
    assert SchoolHoliday.objects.count() == 1


def test_a_school_holiday_lets_a_14_year_old_help_on_a_weekday_morning(manager, exchange):
    day = next_day({1, 2, 3}, after=3)  # Tuesday to Thursday, never a public holiday
    provider = make_provider(exchange)
    job = job_create(provider=provider, by=manager, data={
        "category": "garden", "title": "Laub rechen", "description": "", "starts_at": at(day, 10),
        "ends_at": at(day, 11), "hourly_rate": Decimal("8.00"), "helpers_needed": 1})
    mia = make_teen(exchange, age=14, first_name="Mia")
    AvailabilitySlot.objects.create(teen=mia, weekday=day.weekday(), start=time(8), end=time(18))
    assert "school_time" in {r.code for r in why_not_for(job=job, teen=mia).reasons}

    change = school_holiday_add(exchange=exchange, by=manager, name="Herbstferien", start=day, end=day)

    assert why_not_for(job=job, teen=mia).eligible
    assignment = assignment_create_direct(job=job, teen=mia, by=manager)
    # Deleting the holiday makes the day a school day again: the assignment is reported.
    change = school_holiday_delete(holiday=change.target, by=manager)
    assert [u.assignment for u in change.newly_unfit] == [assignment]
    assert "An Schultagen erst ab 14 Uhr" in change.newly_unfit[0].reasons[0]
    count, unfit = confirmed_assignments_check(exchange=exchange)
    assert (count, list(unfit)) == (1, [assignment.pk])
