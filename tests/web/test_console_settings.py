"""The exchange settings in the coordinator's console. Personas: a coordinator with the right to
change the settings, a colleague without it (reads, never writes), a coordinator of another
exchange (404 everywhere), a teen and a provider (403)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from marketplace.models import Category, Policy, SchoolHoliday
from marketplace.services.jobs import assignment_create_direct, job_create
from matching.calendar import Calendar
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NW = Calendar(state="NW")


def next_saturday():
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != 5 or NW.public_holiday(day) or (day.month, day.day) in {(12, 24), (12, 31)}:
        day += timedelta(days=1)
    return day


@pytest.fixture
def manager(exchange):
    return make_coordinator(exchange, email="leitung@example.org", can_manage_settings=True)


@pytest.fixture
def colleague(exchange):
    return make_coordinator(exchange, email="kollegin@example.org")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def colleague_client(client, colleague):
    client.force_login(colleague)
    return client


@pytest.fixture
def holiday(exchange):
    start = timezone.localdate() + timedelta(days=40)
    return SchoolHoliday.objects.create(exchange=exchange, name="Herbstferien", start=start,
                                        end=start + timedelta(days=13))


def url(name, exchange, *args):
    return reverse(name, args=[exchange.slug, *args])


def page_urls(exchange, holiday=None):
    garden = Category.objects.get(exchange=exchange, slug="garden")
    return [url("coordinator_settings_exchange", exchange), url("coordinator_settings_policy", exchange),
            url("coordinator_settings_categories", exchange), url("coordinator_settings_category", exchange, garden.pk),
            url("coordinator_settings_contact", exchange), url("coordinator_settings_holidays", exchange)]


def form_page_urls(exchange):
    return page_urls(exchange)[1:]


def html_of(response):
    return response.content.decode()


def controls(html):
    """The form controls of the page's forms, without the CSRF token and the language switch."""
    return [a for name in ("input", "select", "textarea") for a in tags(html, name)
            if a.get("type") != "hidden" and a.get("name") not in {"language", "q"}]


def policy_post(policy, **overrides):
    """The policy form as the browser sends it, with the current values."""
    data = {
        "min_age": policy.min_age, "max_age": policy.max_age,
        "min_hourly_rate": str(policy.min_hourly_rate).replace(".", ","),
        "recommended_hourly_rate": str(policy.recommended_hourly_rate).replace(".", ","),
        "max_hours_per_day": str(policy.max_hours_per_day).replace(".", ","),
        "max_hours_per_week": str(policy.max_hours_per_week).replace(".", ","),
        "max_hours_per_month": "", "max_hours_per_year": "",
        "earliest_start_school_days": policy.earliest_start_school_days.strftime("%H:%M"),
        "holiday_state": policy.holiday_state, "consent_link_valid_days": policy.consent_link_valid_days,
        "max_job_offers_per_day": policy.max_job_offers_per_day,
        "inactivity_anonymise_after_days": policy.inactivity_anonymise_after_days,
    }
    for name in ("job_approval_required", "provider_vetting_required", "intake_required", "insurance_required",
                 "police_certificate_required"):
        if getattr(policy, name):
            data[name] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- who sees what ---------------------------------------------------------------------------


def test_with_one_exchange_the_settings_open_directly_with_several_she_chooses(client, exchange, other_exchange):
    single = make_coordinator(exchange)
    client.force_login(single)
    response = client.get(reverse("coordinator_settings"))
    assert response.status_code == 302 and response["Location"] == url("coordinator_settings_exchange", exchange)
    both = make_coordinator(exchange, other_exchange)
    client.force_login(both)
    html = html_of(client.get(reverse("coordinator_settings")))
    assert url("coordinator_settings_exchange", exchange) in html
    assert url("coordinator_settings_exchange", other_exchange) in html


def test_a_coordinator_with_the_right_sees_every_page_with_working_controls(manager_client, exchange, holiday):
    for page in page_urls(exchange):
        response = manager_client.get(page)
        assert response.status_code == 200, page
        html = html_of(response)
        assert "Änderungen darf nur" not in html
        assert not [c for c in controls(html) if "disabled" in c], page
    html = html_of(manager_client.get(url("coordinator_settings_holidays", exchange)))
    assert "Herbstferien" in html and "Löschen" in html


def test_a_colleague_without_the_right_reads_every_page_but_every_control_is_disabled(
    colleague_client, exchange, holiday
):
    for page in page_urls(exchange):
        response = colleague_client.get(page)
        assert response.status_code == 200, page
        html = html_of(response)
        assert "Änderungen darf nur die Koordination mit dem Recht „Einstellungen ändern“" in html
        assert all("disabled" in c for c in controls(html)), page
    policy_html = html_of(colleague_client.get(url("coordinator_settings_policy", exchange)))
    assert 'name="min_hourly_rate"' in policy_html and "Regeln speichern" not in policy_html
    holidays_html = html_of(colleague_client.get(url("coordinator_settings_holidays", exchange)))
    assert "Herbstferien" in holidays_html and "Löschen" not in holidays_html


def test_a_colleague_s_changes_are_refused_with_403_and_nothing_changes(colleague_client, exchange, holiday):
    policy = exchange.policy
    garden = Category.objects.get(exchange=exchange, slug="garden")
    posts = [
        (url("coordinator_settings_policy", exchange), policy_post(policy, min_hourly_rate="7,00")),
        (url("coordinator_settings_categories", exchange), {"name": "Fensterputzen", "min_age": "16"}),
        (url("coordinator_settings_category", exchange, garden.pk), {"name": "Garten", "min_age": "16"}),
        (url("coordinator_settings_contact", exchange), {"office_hours": "Mo 8–9 Uhr"}),
        (url("coordinator_settings_holidays", exchange), {"name": "Winterferien", "start": "2030-12-23",
                                                          "end": "2031-01-06"}),
        (url("coordinator_settings_holiday_delete", exchange, holiday.pk), {}),
    ]
    for page, data in posts:
        response = colleague_client.post(page, data)
        assert response.status_code == 403, page
        html = html_of(response)
        assert "Ihre Änderung wurde nicht gespeichert" in html, page
        assert "Änderungen darf nur" in html
    policy.refresh_from_db()
    garden.refresh_from_db()
    exchange.refresh_from_db()
    assert policy.min_hourly_rate == Decimal("5.00") and garden.min_age == 14 and exchange.office_hours == ""
    assert not Category.objects.filter(name="Fensterputzen").exists()
    assert list(SchoolHoliday.objects.values_list("name", flat=True)) == ["Herbstferien"]
    assert not AuditEntry.objects.filter(action__startswith="marketplace.exchange.").exclude(
        action="marketplace.exchange.created").exists()


def test_a_coordinator_of_another_exchange_finds_nothing(client, exchange, other_exchange, holiday):
    stranger = make_coordinator(other_exchange, can_manage_settings=True)
    client.force_login(stranger)
    for page in page_urls(exchange):
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"name": "X"}).status_code == 404, page
    assert client.post(url("coordinator_settings_holiday_delete", exchange, holiday.pk)).status_code == 404
    # Her own exchange's slug with this exchange's category or holiday: 404 too.
    garden = Category.objects.get(exchange=exchange, slug="garden")
    assert client.get(url("coordinator_settings_category", other_exchange, garden.pk)).status_code == 404
    assert client.post(url("coordinator_settings_holiday_delete", other_exchange, holiday.pk)).status_code == 404
    assert SchoolHoliday.objects.filter(pk=holiday.pk).exists()


def test_teens_and_providers_are_forbidden_and_visitors_must_sign_in(client, exchange, holiday):
    for user in (make_teen(exchange).user, make_provider(exchange).user):
        client.force_login(user)
        assert client.get(reverse("coordinator_settings")).status_code == 403
        for page in page_urls(exchange):
            assert client.get(page).status_code == 403, page
        assert client.post(url("coordinator_settings_holiday_delete", exchange, holiday.pk)).status_code == 403
    client.logout()
    response = client.get(url("coordinator_settings_policy", exchange))
    assert response.status_code == 302 and "login" in response["Location"]


# --- policy -----------------------------------------------------------------------------------


def test_the_policy_form_saves_german_numbers_and_says_so(manager_client, exchange):
    policy = exchange.policy
    response = manager_client.post(url("coordinator_settings_policy", exchange), policy_post(
        policy, min_hourly_rate="6,50", max_hours_per_month="30", earliest_start_school_days="13:30",
        insurance_required="on", job_approval_required=None))
    assert response.status_code == 302
    policy = Policy.objects.get(pk=policy.pk)
    assert (policy.min_hourly_rate, policy.max_hours_per_month, policy.earliest_start_school_days) == (
        Decimal("6.50"), Decimal("30"), time(13, 30))
    assert policy.insurance_required and not policy.job_approval_required
    html = html_of(manager_client.get(response["Location"]))
    assert "Die Regeln von Taschengeldbörse Kreis Düren sind gespeichert." in html
    assert 'value="6,50"' in html
    entry = AuditEntry.objects.get(action="marketplace.exchange.policy_changed")
    assert entry.data["min_hourly_rate"] == ["5", "6.50"] and entry.data["job_approval_required"] == [True, False]


def test_policy_errors_appear_in_german_next_to_their_fields_and_nothing_is_saved(manager_client, exchange):
    policy = exchange.policy
    response = manager_client.post(url("coordinator_settings_policy", exchange), policy_post(
        policy, min_age="12", max_hours_per_day="9", max_hours_per_week="viel", holiday_state="XX"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["max_hours_per_week"] == ["Bitte eine Zahl wie 10 angeben."]
    assert "Bitte ein Bundesland aus der Liste wählen." in form.errors["holiday_state"][0]
    html = html_of(response)
    assert "Bitte prüfen Sie Ihre Angaben" in html
    # The form's own parsing failed, so the service has not spoken yet: fix that and try again.
    response = manager_client.post(url("coordinator_settings_policy", exchange), policy_post(
        policy, min_age="12", max_hours_per_day="9"))
    form = response.context["form"]
    assert "unter 13 Jahren ist keine Beschäftigung erlaubt" in form.errors["min_age"][0]
    assert "§ 8 Abs. 1 JArbSchG" in form.errors["max_hours_per_day"][0]
    html = html_of(response)
    min_age_input = next(a for a in tags(html, "input") if a.get("name") == "min_age")
    assert min_age_input.get("aria-invalid") == "true" and "id_min_age_error" in min_age_input["aria-describedby"]
    assert "Höchststunden pro Tag: Die Höchststunden pro Tag dürfen 8 nicht übersteigen" in html
    policy.refresh_from_db()
    assert (policy.min_age, policy.max_hours_per_day) == (14, Decimal("2"))


def test_a_policy_change_lists_the_confirmed_future_assignments_that_now_break_the_rules(manager_client, manager,
                                                                                          exchange):
    day = next_saturday()
    job = job_create(provider=make_provider(exchange), by=manager, data={
        "category": "garden", "title": "Hecke schneiden", "description": "",
        "starts_at": datetime.combine(day, time(11), tzinfo=BERLIN),
        "ends_at": datetime.combine(day, time(12, 30), tzinfo=BERLIN), "hourly_rate": Decimal("8"),
        "helpers_needed": 1})
    assignment_create_direct(job=job, teen=make_teen(exchange, age=16, first_name="Lena"), by=manager)
    page = url("coordinator_settings_policy", exchange)
    assert "Der bestätigte künftige Einsatz passt zu den aktuellen Regeln." in html_of(manager_client.get(page))

    response = manager_client.post(page, policy_post(exchange.policy, max_hours_per_day="1"), follow=True)

    html = html_of(response)
    assert "1 bestätigter künftiger Einsatz verstößt nach der Änderung gegen die Regeln" in html
    assert "Hecke schneiden" in html and "Lena Beispiel" in html
    assert "die Börse erlaubt höchstens 1 Std. am Tag" in html
    assert reverse("coordinator_job", args=[job.pk]) in html
    # The overview shows the same.
    assert "Hecke schneiden" in html_of(manager_client.get(url("coordinator_settings_exchange", exchange)))


# --- categories ---------------------------------------------------------------------------------


def test_a_new_category_is_created_from_the_list_page(manager_client, exchange):
    response = manager_client.post(url("coordinator_settings_categories", exchange), {
        "name": "Fenster putzen", "min_age": "16", "not_allowed": "Keine Leitern.", "active": "on",
        "light_work_for_children": ""})
    assert response.status_code == 302
    category = Category.objects.get(exchange=exchange, slug="fenster-putzen")
    assert (category.min_age, category.light_work_for_children, category.active) == (16, False, True)
    html = html_of(manager_client.get(response["Location"]))
    assert "Die Kategorie „Fenster putzen“ ist angelegt." in html and "Keine Leitern." in html


def test_a_category_error_appears_next_to_the_field(manager_client, exchange):
    response = manager_client.post(url("coordinator_settings_categories", exchange), {"name": "", "min_age": "12"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Bitte eine Bezeichnung angeben."]
    assert "unter 13 Jahren" in response.context["form"].errors["min_age"][0]
    assert Category.objects.filter(exchange=exchange).count() == 9


def test_a_category_switched_off_disappears_from_the_provider_s_job_form_and_the_api(manager_client, exchange):
    provider = make_provider(exchange)
    provider_client = APIClient()
    provider_client.force_login(provider.user)
    assert 'value="babysitting"' in html_of(provider_client.get(reverse("provider_job_new")))
    babysitting = Category.objects.get(exchange=exchange, slug="babysitting")

    response = manager_client.post(url("coordinator_settings_category", exchange, babysitting.pk), {
        "name": "Babysitten", "min_age": "16", "light_work_for_children": "on", "not_allowed": "",
        "position": "7"})

    assert response.status_code == 302
    assert 'value="babysitting"' not in html_of(provider_client.get(reverse("provider_job_new")))
    slugs = [c["slug"] for c in provider_client.get("/api/v1/categories/").json()]
    assert "babysitting" not in slugs and "garden" in slugs
    entry = AuditEntry.objects.get(action="marketplace.exchange.category_changed")
    assert entry.data == {"slug": "babysitting", "active": [True, False], "not_allowed": [
        "Nur ab 16 Jahren, nicht für Säuglinge ohne Anwesenheit der Eltern.", ""]}


def test_the_category_list_needs_the_same_queries_however_many_categories(manager_client, exchange,
                                                                           django_assert_num_queries):
    page = url("coordinator_settings_categories", exchange)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(page)
    for n in range(10):
        Category.objects.create(exchange=exchange, slug=f"extra-{n}", name=f"Extra {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(manager_client.get(page).context["categories"]) == 19


# --- contact ---------------------------------------------------------------------------------------


def test_contact_data_and_office_hours_are_saved(manager_client, exchange):
    response = manager_client.post(url("coordinator_settings_contact", exchange), {
        "contact_email": "boerse@kreis-dueren.de", "contact_phone": "02421 22-0", "address": "Bismarckstr. 16",
        "office_hours": "Di 10–12 Uhr\nDo 14–16 Uhr", "signatory": "Maria Schmitz, Koordination"})
    assert response.status_code == 302
    exchange.refresh_from_db()
    assert exchange.office_hours == "Di 10–12 Uhr\nDo 14–16 Uhr" and exchange.signatory.startswith("Maria")
    html = html_of(manager_client.get(url("coordinator_settings_exchange", exchange)))
    assert "Di 10–12 Uhr<br>Do 14–16 Uhr" in html and "boerse@kreis-dueren.de" in html


def test_a_wrong_contact_e_mail_is_shown_next_to_the_field(manager_client, exchange):
    response = manager_client.post(url("coordinator_settings_contact", exchange), {"contact_email": "boerse@"})
    assert response.status_code == 200
    assert "Die Kontakt-E-Mail ist keine gültige E-Mail-Adresse." in response.context["form"].errors["contact_email"]
    exchange.refresh_from_db()
    assert exchange.contact_email == ""


# --- school holidays -----------------------------------------------------------------------------------


def test_holidays_are_added_and_deleted(manager_client, exchange, holiday):
    page = url("coordinator_settings_holidays", exchange)
    start = holiday.end + timedelta(days=30)
    response = manager_client.post(page, {"name": "Weihnachtsferien", "start": start.isoformat(),
                                          "end": (start + timedelta(days=14)).strftime("%d.%m.%Y")})
    assert response.status_code == 302
    html = html_of(manager_client.get(page))
    assert "„Weihnachtsferien“" in html and "ist eingetragen" in html
    added = SchoolHoliday.objects.get(name="Weihnachtsferien")
    response = manager_client.post(url("coordinator_settings_holiday_delete", exchange, added.pk))
    assert response.status_code == 302
    assert list(SchoolHoliday.objects.values_list("name", flat=True)) == ["Herbstferien"]
    assert "„Weihnachtsferien“ ist gelöscht." in html_of(manager_client.get(page))


def test_an_overlapping_or_reversed_holiday_is_refused_in_german(manager_client, exchange, holiday):
    page = url("coordinator_settings_holidays", exchange)
    response = manager_client.post(page, {"name": "Doppelt", "start": holiday.start.isoformat(),
                                          "end": holiday.start.isoformat()})
    assert response.status_code == 200
    assert "überschneidet sich mit „Herbstferien“" in response.context["form"].errors["start"][0]
    response = manager_client.post(page, {"name": "Rückwärts", "start": "2031-01-06", "end": "2030-12-23"})
    assert response.context["form"].errors["end"] == ["Der letzte Ferientag darf nicht vor dem ersten liegen."]
    assert SchoolHoliday.objects.count() == 1


def test_the_holiday_list_needs_the_same_queries_however_many_holidays(manager_client, exchange,
                                                                        django_assert_num_queries):
    page = url("coordinator_settings_holidays", exchange)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(page)
    start = timezone.localdate()
    for n in range(12):
        SchoolHoliday.objects.create(exchange=exchange, name=f"Ferien {n}", start=start + timedelta(days=10 * n),
                                     end=start + timedelta(days=10 * n + 2))
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(manager_client.get(page).context["holidays"]) == 12
