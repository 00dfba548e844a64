"""Review of the coordinator console (issue 6): odd input on every list page and form gives a
page or a German error, never a 500 (also on PostgreSQL, which refuses NUL bytes), and the
problems the review found. Personas: the coordinator of the exchange; a coordinator of another
exchange where scoping is concerned."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import AssignmentStatus, Postcode
from tests.factories import make_coordinator, make_provider, make_teen
from tests.services.test_certificate import days_ago, finished_job

pytestmark = pytest.mark.django_db

HUGE = "Lena " * 2000
NUL = "Le\x00na"


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org", can_manage_settings=True)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, age=16, first_name="Lena", email="lena@example.org")


def assert_page_or_german_error(response):
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert "Traceback" not in response.content.decode()


# --- odd query parameters on the list pages -------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), [
    ("coordinator_home", {"page": "abc"}),
    ("coordinator_teens", {"page": "abc"}),
    ("coordinator_teens", {"page": "999999", "status": "all"}),
    ("coordinator_teens", {"status": NUL}),
    ("coordinator_providers", {"page": "-1", "status": "x" * 10_000}),
    ("coordinator_jobs", {"page": "abc", "status": NUL}),
    ("coordinator_broadcasts", {"page": "999999"}),
    ("coordinator_broadcast_new", {"boerse": "abc"}),
    ("coordinator_audit", {"page": "abc"}),
    ("coordinator_audit", {"page": "999999"}),
    ("coordinator_audit", {"person": "abc"}),
    ("coordinator_audit", {"person": "9" * 30}),
    ("coordinator_audit", {"person": "-5"}),
    ("coordinator_audit", {"actor": "abc", "group": NUL}),
    ("coordinator_audit", {"date_from": "garbage", "date_to": "2024-13-40"}),
    ("coordinator_audit", {"date_from": "0001-01-01", "date_to": "9999-12-31"}),
    ("coordinator_audit", {"name": NUL}),
    ("coordinator_audit", {"name": HUGE}),
    ("coordinator_stats", {"start": "2024-13-40"}),
    ("coordinator_stats", {"start": "0001-01-01", "end": "9999-12-31"}),
    ("coordinator_stats", {"start": NUL, "boerse": "abc"}),
    ("coordinator_stats", {"boerse": "9" * 30}),
    ("coordinator_stats_csv", {"start": "garbage"}),
    ("coordinator_stats_csv", {"boerse": NUL}),
    ("coordinator_search", {"q": HUGE}),
    ("coordinator_search", {"q": NUL}),
    ("coordinator_search", {"q": "#" + "9" * 40}),
    ("coordinator_search", {"q": "%_\\"}),
])
def test_odd_query_parameters_give_a_page_or_an_error_but_never_a_500(coordinator_client, lena, name, params):
    response = coordinator_client.get(reverse(name), params)

    assert_page_or_german_error(response)


def test_a_nul_byte_in_the_search_is_a_german_form_error(coordinator_client, lena):
    response = coordinator_client.get(reverse("coordinator_search"), {"q": NUL})

    assert response.status_code == 200
    assert response.context["form"].errors["q"]
    assert not AuditEntry.objects.filter(action="marketplace.console.searched").exists()


def test_a_too_long_search_is_a_german_form_error(coordinator_client, lena):
    response = coordinator_client.get(reverse("coordinator_search"), {"q": HUGE})

    assert response.status_code == 200
    assert response.context["form"].errors["q"] == ["Bitte höchstens 100 Zeichen eingeben."]


def test_a_search_for_superscript_digits_gets_an_answer_not_a_server_error(coordinator_client, lena):
    # "²".isdigit() is True but int("²") raises: selectors/people.py search_jobs.
    response = coordinator_client.get(reverse("coordinator_search"), {"q": "#²²"})

    assert response.status_code == 200
    assert response.context["result"].total == 0


def test_the_audit_log_filtered_by_an_unknown_person_shows_nothing_and_logs_nothing(coordinator_client, lena):
    response = coordinator_client.get(reverse("coordinator_audit"), {"person": "9" * 18})

    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="marketplace.audit.viewed").exists()


@pytest.mark.parametrize("params", [{"start": "2024-13-40"}, {"boerse": "abc"}, {"start": "garbage", "end": NUL}])
def test_bad_statistics_parameters_are_a_400_or_404_for_the_csv(coordinator_client, params):
    response = coordinator_client.get(reverse("coordinator_stats_csv"), params)

    assert response.status_code in (400, 404)


# --- odd form input -------------------------------------------------------------------------------


@pytest.fixture
def lena_with_a_done_job(exchange, lena):
    finished_job(lena, make_provider(exchange), day=days_ago(20), title="Laub rechen", minutes=90)
    return lena


@pytest.mark.parametrize("data", [
    {"start": "2024-13-40", "end": "2024-01-01"},
    {"start": NUL, "end": NUL},
    {"start": "9999-12-31", "end": "9999-12-31"},
    {"start": "x" * 10_000, "end": ""},
])
def test_odd_certificate_periods_are_german_form_errors(coordinator_client, lena_with_a_done_job, data):
    response = coordinator_client.post(reverse("coordinator_teen_certificate", args=[lena_with_a_done_job.pk]), data)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors


@pytest.mark.parametrize("data", [
    {"start": "0001-01-01", "end": "0001-01-05"},
    {"start": "01.01.0003", "end": "31.12.0003"},
])
def test_a_certificate_period_in_the_first_years_ad_is_a_german_error_not_a_server_error(
        coordinator_client, lena_with_a_done_job, data):
    # services/certificate.py _years_before: date.replace(year=-4) raises ValueError twice.
    response = coordinator_client.post(reverse("coordinator_teen_certificate", args=[lena_with_a_done_job.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_teen_herself_gets_a_german_error_for_a_period_in_the_year_one(client, lena_with_a_done_job):
    client.force_login(lena_with_a_done_job.user)

    response = client.post(reverse("teen_certificate"), {"start": "0001-01-01", "end": "0001-01-05"})

    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("data", [
    {"title": NUL, "message": NUL, "step": "preview"},
    {"title": "Hallo", "message": "x" * 10_000, "step": "preview"},
    {"title": "Hallo", "message": "Text", "url": "https://evil.example/", "step": "preview"},
    {"title": "Hallo", "message": "Text", "url": "//evil.example/", "step": "send"},
    {"title": "Hallo", "message": "Text", "url": "javascript:alert(1)", "step": "send"},
    {"title": "Hallo", "message": "Text", "postcodes": ["52062"], "step": "send"},
    {"title": "Hallo", "message": "Text", "age_classes": ["old"], "step": "send"},
])
def test_odd_broadcasts_are_german_form_errors_and_send_nothing(coordinator_client, lena, data):
    response = coordinator_client.post(reverse("coordinator_broadcast_new"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AuditEntry.objects.filter(action="marketplace.broadcast.sent").exists()


def test_a_broadcast_to_another_exchange_through_the_hidden_field_is_a_404(coordinator_client, lena, other_exchange):
    make_teen(other_exchange, postcode="52062")

    response = coordinator_client.post(reverse("coordinator_broadcast_new"), {
        "exchange": str(other_exchange.pk), "title": "Hallo", "message": "Text", "step": "send"})

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="marketplace.broadcast.sent").exists()


def test_blocking_with_a_teen_of_another_exchange_in_the_select_changes_nothing(
        coordinator_client, exchange, other_exchange):
    provider = make_provider(exchange)
    stranger = make_teen(other_exchange, postcode="52062")

    response = coordinator_client.post(reverse("coordinator_provider_block", args=[provider.pk]),
                                       {"teen": str(stranger.pk), "reason": "Test"})

    assert response.status_code in (200, 404)
    assert not provider.blocked_pairs.exists()


def test_every_console_action_refuses_a_post_without_csrf_token(client, coordinator, lena, exchange):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(coordinator)
    provider = make_provider(exchange)
    for url in (reverse("coordinator_teen_block", args=[lena.pk]),
                reverse("coordinator_provider_block", args=[provider.pk]),
                reverse("coordinator_broadcast_new"),
                reverse("coordinator_teen_certificate", args=[lena.pk]),
                reverse("coordinator_teen", args=[lena.pk])):
        assert csrf_client.post(url, {"reason": "x"}).status_code == 403, url


# --- privacy: a teen who moved here brings no data of her former exchange -------------------------------


def test_a_teen_who_moved_here_shows_nothing_of_her_former_exchange_on_her_page(
        client, exchange, other_exchange, coordinator):
    """DESIGN 3: no data crosses exchanges. Her jobs in Aachen name an Aachen provider; the
    coordinator of Düren, where she lives now, must not learn who that is (the certificate
    already keeps to her current exchange, selectors/certificate.py)."""
    aachen_provider = make_provider(other_exchange, postcode="52062", first_name="Gerlinde")
    teen = make_teen(other_exchange, postcode="52062", first_name="Mira")
    finished_job(teen, aachen_provider, day=days_ago(30), title="Fenster putzen", minutes=60)
    # She moves into Düren's area (services.teens.teen_update sets both).
    teen.exchange, teen.postcode = exchange, Postcode.objects.get(code="52349")
    teen.save(update_fields=["exchange", "postcode"])
    assert teen.assignments.filter(status=AssignmentStatus.DONE).exists()
    client.force_login(coordinator)

    html = client.get(reverse("coordinator_teen", args=[teen.pk])).content.decode()

    assert "Mira" in html
    assert "Gerlinde" not in html
    assert "Fenster putzen" not in html


def test_the_search_of_another_exchange_finds_nothing_of_this_one_even_by_email(client, other_exchange, lena):
    client.force_login(make_coordinator(other_exchange))

    response = client.get(reverse("coordinator_search"), {"q": "lena@example.org"})

    assert response.status_code == 200
    assert response.context["result"].total == 0


def test_the_certificate_of_a_teen_of_another_exchange_is_a_404(client, other_exchange, lena_with_a_done_job):
    client.force_login(make_coordinator(other_exchange))
    today = timezone.localdate()

    response = client.post(reverse("coordinator_teen_certificate", args=[lena_with_a_done_job.pk]),
                           {"start": (today - timedelta(days=100)).isoformat(), "end": today.isoformat()})

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="marketplace.teen.certificate_issued").exists()


# --- the statistics CSV opens in Excel ---------------------------------------------------------------


def test_a_category_named_like_a_formula_is_not_a_formula_in_the_csv(coordinator_client, exchange, lena):
    """A category name comes from a coordinator with the settings right; the CSV goes to the
    operator's spreadsheet, which would run "=HYPERLINK(...)" (CSV injection)."""
    from marketplace.models import Category

    Category.objects.filter(exchange=exchange, slug="garden").update(name='=HYPERLINK("http://evil.example","x")')
    finished_job(lena, make_provider(exchange), day=days_ago(3), category="garden", minutes=60)
    today = timezone.localdate()

    response = coordinator_client.get(reverse("coordinator_stats_csv"), {
        "start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell.strip('"') for line in text.splitlines() for cell in line.split(";")]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) and "HYPERLINK" in cell for cell in cells)
