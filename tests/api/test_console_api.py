"""The console for app clients (issue 6): the statistics (`/api/v1/stats/`) and the teen's own
certificate (`/api/v1/me/certificate/`). Personas: the coordinator of the exchange, a
coordinator of another exchange (404, never this exchange's numbers), a coordinator of two, a
teen and a provider (403), the operator. The figures must be the page's figures for the same
data, and the certificate the very PDF the web page hands out."""

from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Role
from marketplace.models import AssignmentStatus
from tests.factories import PASSWORD, ExchangeFactory, UserFactory, make_coordinator, make_provider, make_teen
from tests.marketplace.test_stats import build_year
from tests.services.test_certificate import days_ago, finished_job, named, pdf_text
from tests.web.test_console_stats import figures, number

from .marketplace_helpers import client_for

pytestmark = pytest.mark.django_db

STATS, CERTIFICATE = "/api/v1/stats/", "/api/v1/me/certificate/"
YEAR_2024 = {"start": "2024-01-01", "end": "2024-12-31"}
PEOPLE = ("Anna", "Ben", "Cem", "Dora", "Olli", "Hildegard", "Gertrud", "Olga", "Kölnstraße")


@pytest.fixture
def year(exchange, other_exchange):
    return build_year(exchange, other_exchange)


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def operator():
    return UserFactory(role=Role.OPERATOR, email="betrieb@example.org")


def token_client(email: str) -> APIClient:
    """An app client, signed in through allauth's headless API (X-Session-Token)."""
    client = APIClient()
    login = client.post("/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, format="json")
    assert login.status_code == 200, login.content
    client.credentials(HTTP_X_SESSION_TOKEN=login.json()["meta"]["session_token"])
    return client


# --- statistics: the figures ---------------------------------------------------------------------


def test_the_coordinator_gets_the_same_figures_as_on_her_page(client, coordinator, exchange, year):
    client.force_login(coordinator)
    page = figures(client.get(reverse("coordinator_stats"), YEAR_2024))

    response = client_for(coordinator).get(STATS, YEAR_2024)

    assert response.status_code == 200
    data = response.json()
    assert (data["start"], data["end"], data["exchanges"]) == ("2024-01-01", "2024-12-31", [exchange.pk])
    assert set(page) <= set(data)
    for key, shown in page.items():
        value = data[key]
        assert (Decimal(str(value)) if value is not None else None) == number(shown), key
    assert data["jobs_posted"] == 10 and data["fill_rate"] == "55.6" and data["amount_paid"] == "32.00"
    assert data["median_hours_to_fill"] == "24.0" and data["hours"] == "4.0"


def test_the_breakdowns_are_those_of_the_page(coordinator, year):
    data = client_for(coordinator).get(STATS, YEAR_2024).json()

    months = {row["month"]: (row["jobs_posted"], row["jobs_done"]) for row in data["by_month"]}
    assert len(months) == 12 and months["2024-03"] == (3, 1) and months["2024-06"] == (0, 0)
    garden = next(row for row in data["by_category"] if row["category"] == "garden")
    assert (garden["name"], garden["hours"]) == ("Garten", "2.0")
    places = {row["municipality"]: row["assignments_done"] for row in data["by_municipality"]}
    assert places["Jülich"] == 1
    ages = {row["age_class"]: row for row in data["by_age_class"]}
    assert set(ages) == {"child", "youth", "adult"}
    assert ages["youth"]["hours"] == "0.5" and ages["youth"]["label"] == "Jugendliche (15–17)"


def test_the_statistics_never_name_a_person(coordinator, year):
    text = client_for(coordinator).get(STATS, YEAR_2024).content.decode()

    for name in PEOPLE:
        assert name not in text


def test_the_current_year_is_the_default_period(coordinator):
    data = client_for(coordinator).get(STATS).json()

    assert data["start"].endswith("-01-01") and data["end"].endswith("-12-31")
    assert data["start"][:4] == data["end"][:4]


# --- statistics: who sees what -------------------------------------------------------------------


def test_a_coordinator_of_another_exchange_gets_404_and_never_its_numbers(exchange, other_exchange, year):
    aachen = make_coordinator(other_exchange, email="aachen@example.org")
    api = client_for(aachen)

    response = api.get(STATS, {**YEAR_2024, "exchange": exchange.pk})

    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden.", "errors": {}}
    assert api.get(STATS, {**YEAR_2024, "exchange": 999_999}).status_code == 404
    own = api.get(STATS, YEAR_2024).json()
    assert own["exchanges"] == [other_exchange.pk] and own["jobs_posted"] == 1


def test_a_coordinator_of_two_exchanges_gets_both_or_one(exchange, other_exchange, year):
    third = ExchangeFactory(name="Taschengeldbörse Eifel", slug="eifel")
    api = client_for(make_coordinator(exchange, third, email="zwei@example.org"))

    both = api.get(STATS, YEAR_2024).json()
    one = api.get(STATS, {**YEAR_2024, "exchange": third.pk}).json()

    assert sorted(both["exchanges"]) == sorted([exchange.pk, third.pk]) and both["jobs_posted"] == 10
    assert one["exchanges"] == [third.pk] and one["jobs_posted"] == 0
    assert api.get(STATS, {**YEAR_2024, "exchange": other_exchange.pk}).status_code == 404


def test_a_coordinator_without_an_exchange_gets_nothing_counted(year):
    data = client_for(make_coordinator(email="ohne@example.org")).get(STATS, YEAR_2024).json()

    assert data["exchanges"] == [] and data["jobs_posted"] == 0 and data["fill_rate"] is None


def test_the_operator_sees_all_exchanges_or_any_one(operator, exchange, other_exchange, year):
    api = client_for(operator)

    everything = api.get(STATS, YEAR_2024).json()
    aachen = api.get(STATS, {**YEAR_2024, "exchange": other_exchange.pk}).json()

    assert set(everything["exchanges"]) == {exchange.pk, other_exchange.pk} and everything["jobs_posted"] == 11
    assert aachen["exchanges"] == [other_exchange.pk] and aachen["jobs_posted"] == 1
    assert api.get(STATS, {**YEAR_2024, "exchange": 999_999}).status_code == 404


def test_a_superuser_counts_as_operator(exchange, other_exchange, year):
    api = client_for(UserFactory(role=Role.COORDINATOR, is_superuser=True, is_staff=True))

    assert api.get(STATS, YEAR_2024).json()["jobs_posted"] == 11


def test_teens_and_providers_may_not_see_the_statistics(exchange, year):
    for person in (make_teen(exchange).user, make_provider(exchange).user):
        response = client_for(person).get(STATS, YEAR_2024)
        assert response.status_code == 403
        assert set(response.json()) == {"detail", "errors"}
        assert "jobs_posted" not in response.content.decode()


def test_a_visitor_is_not_let_in(year):
    assert APIClient().get(STATS, YEAR_2024).status_code in (401, 403)


# --- statistics: bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"start": "2024-06-01", "end": "2024-01-01"}, "end",
     "Das Ende liegt vor dem Beginn. Bitte wählen Sie ein späteres Datum."),
    ({"start": "2020-01-01", "end": "2023-01-01"}, "end", "Der Zeitraum darf höchstens drei Jahre umfassen."),
    ({"start": "31.02.2024x", "end": "2024-12-31"}, "start", "Bitte ein Datum wie 24.12.2010 angeben."),
    ({"start": "1999-12-31", "end": "2000-06-30"}, "start", "Bitte ein Datum zwischen 2000 und 2100 angeben."),
    ({**YEAR_2024, "exchange": "x"}, "exchange", "Bitte die Nummer einer Börse angeben."),
])
def test_a_bad_period_is_a_400_with_the_german_message_at_the_field(coordinator, params, field, message):
    response = client_for(coordinator).get(STATS, params)

    assert response.status_code == 400
    assert response.json() == {"detail": "Die Eingaben sind ungültig.", "errors": {field: [message]}}


def test_three_years_less_a_day_is_allowed(coordinator):
    assert client_for(coordinator).get(STATS, {"start": "2020-01-01", "end": "2022-12-31"}).status_code == 200


# --- the certificate -----------------------------------------------------------------------------


@pytest.fixture
def provider(exchange):
    return make_provider(exchange)


@pytest.fixture
def ayse(exchange, provider):
    """Ayşe Yılmaz with two done jobs (1.5 and 1 hours) in the last months."""
    teen = named(make_teen(exchange, age=17, email="ayse@example.org"), "Ayşe", "Yılmaz")
    finished_job(teen, provider, day=days_ago(40), category="garden", title="Laub rechen", minutes=90)
    finished_job(teen, provider, day=days_ago(20), category="pets", title="Hund ausführen", minutes=60)
    return teen


def period(start, end) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_the_teens_app_downloads_her_certificate_with_her_session_token(ayse, exchange):
    start, end = days_ago(100), days_ago(1)

    response = token_client("ayse@example.org").get(CERTIFICATE, period(start, end))

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Nachweis-Ayse-Yilmaz-')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == f"Nachweis-Ayşe-Yılmaz-{start}-{end}.pdf"
    assert "no-store" in response["Cache-Control"], "a minor's data must not stay in caches"
    text = pdf_text(response.content)
    assert "Ayşe Yılmaz" in text and "Insgesamt: 2 Einsätze, 2,5 Stunden" in text
    entry = AuditEntry.objects.get(action="marketplace.teen.certificate_issued")
    assert (entry.actor, entry.subject_user_id, entry.exchange_id) == (ayse.user, ayse.user_id, exchange.pk)
    assert (entry.data["start"], entry.data["end"]) == (start.isoformat(), end.isoformat())


def test_an_app_that_accepts_only_pdf_gets_it_and_its_errors_as_json(ayse):
    api = client_for(ayse.user)

    ok = api.get(CERTIFICATE, period(days_ago(100), days_ago(1)), HTTP_ACCEPT="application/pdf")
    empty = api.get(CERTIFICATE, period(days_ago(10), days_ago(1)), HTTP_ACCEPT="application/pdf")

    assert ok.status_code == 200 and ok.content.startswith(b"%PDF-")
    assert empty.status_code == 400 and empty["Content-Type"] == "application/json"


def test_the_last_twelve_months_are_the_default_period(ayse):
    response = client_for(ayse.user).get(CERTIFICATE)

    assert response.status_code == 200
    assert "Insgesamt: 2 Einsätze, 2,5 Stunden" in pdf_text(response.content)


def test_a_period_without_done_jobs_is_a_400_in_german_and_nothing_is_on_record(ayse, provider):
    finished_job(ayse, provider, day=days_ago(5), title="Nie erschienen", status=AssignmentStatus.NO_SHOW)

    response = client_for(ayse.user).get(CERTIFICATE, period(days_ago(10), days_ago(1)))

    assert response.status_code == 400
    message = "Im gewählten Zeitraum gibt es keine erledigten Einsätze."
    assert response.json() == {"detail": message, "errors": {"non_field_errors": [message]}}
    assert not AuditEntry.objects.filter(action="marketplace.teen.certificate_issued").exists()


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"start": "2024-05-01", "end": "2024-04-01"}, "end", "Das Ende darf nicht vor dem Beginn liegen."),
    ({"start": "2001-01-01", "end": "2024-04-01"}, "start", "Der Zeitraum darf höchstens 5 Jahre umfassen."),
    ({"start": "gestern", "end": "2024-04-01"}, "start", "Bitte ein Datum wie 24.12.2010 angeben."),
])
def test_a_bad_certificate_period_is_a_400_at_the_field(ayse, params, field, message):
    response = client_for(ayse.user).get(CERTIFICATE, params)

    assert response.status_code == 400
    assert response.json() == {"detail": "Die Eingaben sind ungültig.", "errors": {field: [message]}}


def test_another_teen_gets_only_her_own_certificate(exchange, provider, ayse):
    jonas = make_teen(exchange, first_name="Jonas")
    finished_job(jonas, provider, day=days_ago(30), title="Fahrrad putzen")

    response = client_for(jonas.user).get(CERTIFICATE, {**period(days_ago(100), days_ago(1)), "teen": ayse.pk})

    text = pdf_text(response.content)
    assert "Jonas" in text and "Fahrrad putzen" in text
    assert "Ayşe" not in text and "Laub rechen" not in text


def test_providers_coordinators_and_the_operator_get_no_certificate(ayse, provider, coordinator, operator):
    for user in (provider.user, coordinator, operator):
        response = client_for(user).get(CERTIFICATE, period(days_ago(100), days_ago(1)))
        assert response.status_code == 403
        assert set(response.json()) == {"detail", "errors"}
    assert not AuditEntry.objects.filter(action="marketplace.teen.certificate_issued").exists()


def test_a_teen_account_without_a_profile_gets_404():
    response = client_for(UserFactory()).get(CERTIFICATE)

    assert response.status_code == 404
