"""The statistics page and CSV of the console, and the operator's view across exchanges.
Personas: the coordinator of the exchange, a coordinator of two, a teen and a provider, a
coordinator of another exchange (who must not see this exchange's numbers), the operator."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import Role
from marketplace.models import JobStatus
from tests.factories import ExchangeFactory, UserFactory, make_coordinator, make_provider, make_teen
from tests.marketplace.test_stats import berlin, build_year, job, work
from tests.web.helpers import session_queries

pytestmark = pytest.mark.django_db

YEAR_2024 = {"start": "2024-01-01", "end": "2024-12-31"}
PAGE, CSV = reverse("coordinator_stats"), reverse("coordinator_stats_csv")
OPERATOR_PAGE, OPERATOR_CSV = reverse("operator_stats"), reverse("operator_stats_csv")
PEOPLE = ("Anna", "Ben", "Cem", "Dora", "Olli", "Hildegard", "Gertrud", "Olga", "Beispiel", "Muster", "Kölnstraße")


@pytest.fixture
def year(exchange, other_exchange):
    return build_year(exchange, other_exchange)


@pytest.fixture
def coordinator_client(client, exchange):
    client.force_login(make_coordinator(exchange, email="koordination@example.org"))
    return client


def figures(response) -> dict[str, str]:
    """The key figures as the page shows them."""
    html = response.content.decode()
    return {key: re.sub(r"<[^>]+>.*", "", value).strip()
            for key, value in re.findall(r'<dd data-figure="([a-z_]+)">(.*?)</dd>', html, flags=re.S)}


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "German Excel needs the byte order mark"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def csv_figures(response, exchange_name: str | None = None) -> dict[str, str]:
    return {r["Kennzahl"]: r["Wert"] for r in rows(response)
            if r["Bereich"] == "Kennzahlen" and (exchange_name is None or r["Börse"] == exchange_name)}


def number(text: str) -> Decimal | None:
    """"1.234,5 Std." → 1234.5; "–" → None."""
    text = re.sub(r"[^\d,]", "", text)
    return Decimal(text.replace(",", ".")) if text else None


# --- The coordinator's page ----------------------------------------------------------------


def test_the_page_shows_the_current_year_by_default(coordinator_client, exchange):
    response = coordinator_client.get(PAGE)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["start"].month == 1 and form.cleaned_data["start"].day == 1
    assert form.cleaned_data["end"].month == 12 and form.cleaned_data["end"].day == 31
    assert "CSV herunterladen" in response.content.decode()


def test_the_page_shows_the_key_figures_of_the_period(coordinator_client, year):
    response = coordinator_client.get(PAGE, YEAR_2024)
    shown = figures(response)
    assert shown["jobs_posted"] == "10"
    assert (shown["jobs_filled"], shown["jobs_done"], shown["jobs_cancelled"]) == ("5", "3", "1")
    assert (shown["new_teens"], shown["new_providers"], shown["active_teens"]) == ("3", "1", "3")
    assert shown["fill_rate"] == "55,6 %"
    assert shown["median_hours_to_fill"] == "24,0 Std."
    assert shown["hours"] == "4,0 Std."
    assert shown["amount_paid"] == "32,00 €"


def test_the_page_explains_every_figure_in_german(coordinator_client, year):
    html = coordinator_client.get(PAGE, YEAR_2024).content.decode()
    assert "So wird gezählt" in html
    assert "ohne die abgelehnten" in html
    assert "Kinder (unter 15 oder vollzeitschulpflichtig)" in html and "Jugendliche (15–17)" in html


def test_the_charts_are_svg_images_with_a_title_and_the_same_numbers_in_a_table(coordinator_client, year):
    html = coordinator_client.get(PAGE, YEAR_2024).content.decode()
    assert html.count('<svg class="chart" role="img"') == 2
    assert "<title id=\"chart-months-title\">Aufträge je Monat" in html
    assert "<script" not in html.split("<main", 1)[1]
    # The month table: March 2024 had three jobs posted, one of them done.
    assert re.search(r"<th scope=\"row\">März</th><td class=\"num\">3</td><td class=\"num\">1</td>", html)


def test_the_page_never_shows_a_person(coordinator_client, year):
    html = coordinator_client.get(PAGE, YEAR_2024).content.decode()
    main = html.split("<main", 1)[1]
    for name in PEOPLE:
        assert name not in main


def test_a_period_that_starts_after_it_ends_is_an_error_next_to_the_field(coordinator_client, year):
    response = coordinator_client.get(PAGE, {"start": "2024-06-01", "end": "2024-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == [
        "Das Ende liegt vor dem Beginn. Bitte wählen Sie ein späteres Datum."]
    assert "stats" not in response.context
    assert "data-figure" not in response.content.decode()


def test_a_period_longer_than_three_years_is_refused(coordinator_client, year):
    response = coordinator_client.get(PAGE, {"start": "2020-01-01", "end": "2023-01-01"})
    assert response.context["form"].errors["end"] == ["Der Zeitraum darf höchstens drei Jahre umfassen."]
    response = coordinator_client.get(PAGE, {"start": "2020-01-01", "end": "2022-12-31"})
    assert response.context["form"].is_valid()


def test_a_malformed_date_is_an_error_not_a_crash(coordinator_client, year):
    response = coordinator_client.get(PAGE, {"start": "31.02.2024x", "end": "2024-12-31"})
    assert response.status_code == 200
    assert "Bitte ein Datum wie" in response.context["form"].errors["start"][0]
    assert coordinator_client.get(CSV, {"start": "2024-12-31", "end": "2024-01-01"}).status_code == 400
    response = coordinator_client.get(PAGE, {"start": "9999-12-31", "end": "9999-12-31"})
    assert response.context["form"].errors["start"] == ["Bitte ein Datum zwischen 2000 und 2100 angeben."]
    assert coordinator_client.get(CSV, {"start": "9999-12-31", "end": "9999-12-31"}).status_code == 400


def test_the_quick_choices_link_to_whole_periods(coordinator_client, exchange):
    response = coordinator_client.get(PAGE)
    labels = [q["label"] for q in response.context["quick"]]
    assert labels[:3] == ["Dieses Jahr", "Letztes Jahr", "Letzte 12 Monate"]
    assert any(label.startswith("4. Quartal") for label in labels)
    assert response.context["quick"][0]["current"]


# --- The CSV -------------------------------------------------------------------------------


def test_the_csv_streams_the_same_figures_as_the_page(coordinator_client, exchange, year):
    page = figures(coordinator_client.get(PAGE, YEAR_2024))
    response = coordinator_client.get(CSV, YEAR_2024)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="statistik-kreis-dueren-2024-01-01-2024-12-31.csv"'
    exported = csv_figures(response)
    assert set(exported) == set(page)
    for key, shown in page.items():
        assert number(exported[key]) == number(shown), key
    assert exported["fill_rate"] == "55,6" and exported["amount_paid"] == "32,00"


def test_the_csv_has_the_breakdowns_in_long_format(coordinator_client, year):
    lines = rows(coordinator_client.get(CSV, YEAR_2024))
    assert {r["Börse"] for r in lines} == {"Taschengeldbörse Kreis Düren"}
    assert {(r["Zeitraum von"], r["Zeitraum bis"]) for r in lines} == {("2024-01-01", "2024-12-31")}
    by = {(r["Bereich"], r["Gruppe"], r["Kennzahl"]): r["Wert"] for r in lines}
    assert by[("Monat", "2024-03", "jobs_posted")] == "3"
    assert by[("Art der Hilfe", "Garten", "hours")] == "2,0"
    assert by[("Ort", "Jülich", "assignments_done")] == "1"
    assert by[("Altersklasse", "Jugendliche (15–17)", "hours")] == "0,5"


# --- Who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TEEN, Role.PROVIDER])
def test_teens_and_providers_may_not_see_the_statistics(client, exchange, role):
    person = make_teen(exchange).user if role == Role.TEEN else make_provider(exchange).user
    client.force_login(person)
    for url in (PAGE, CSV, OPERATOR_PAGE, OPERATOR_CSV):
        assert client.get(url).status_code == 403


def test_a_coordinator_without_an_exchange_is_told_so(client):
    client.force_login(make_coordinator(email="ohne@example.org"))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "noch keiner Börse zugeordnet" in response.content.decode()
    assert client.get(CSV).status_code == 404


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_coordinator_of_another_exchange_sees_only_her_own_numbers(client, exchange, other_exchange, year):
    client.force_login(make_coordinator(other_exchange, email="aachen@example.org"))
    for url in (PAGE, CSV):
        assert client.get(url, {**YEAR_2024, "boerse": exchange.pk}).status_code == 404
        assert client.get(url, {**YEAR_2024, "boerse": "x"}).status_code == 404
    assert figures(client.get(PAGE, YEAR_2024))["jobs_posted"] == "1"
    assert {r["Börse"] for r in rows(client.get(CSV, YEAR_2024))} == {"Taschengeldbörse Aachen"}


def test_all_my_exchanges_adds_up_only_her_exchanges(client, exchange, other_exchange, year):
    third = ExchangeFactory(name="Taschengeldbörse Eifel", slug="eifel")
    client.force_login(make_coordinator(exchange, third, email="zwei@example.org"))
    response = client.get(PAGE, YEAR_2024)
    assert "Alle meine Börsen" in response.content.decode()
    assert figures(response)["jobs_posted"] == "10"
    assert figures(client.get(PAGE, {**YEAR_2024, "boerse": third.pk}))["jobs_posted"] == "0"
    both = make_coordinator(exchange, other_exchange, email="beide@example.org")
    client.force_login(both)
    assert figures(client.get(PAGE, YEAR_2024))["jobs_posted"] == "11"
    assert figures(client.get(PAGE, {**YEAR_2024, "boerse": other_exchange.pk}))["jobs_posted"] == "1"
    response = client.get(CSV, YEAR_2024)
    assert 'filename="statistik-alle-boersen-2024-01-01-2024-12-31.csv"' in response["Content-Disposition"]
    assert csv_figures(response)["jobs_posted"] == "11"


# (session,) user, her exchanges, the nine of the selector, unread notifications (base.html)
QUERIES = 12 + session_queries()


@pytest.mark.parametrize("jobs", [5, 50])
def test_the_page_needs_the_same_queries_for_5_and_50_jobs(coordinator_client, exchange, jobs,
                                                          django_assert_num_queries):
    provider = make_provider(exchange)
    someone = make_teen(exchange)
    for i in range(jobs):
        j = job(provider, when=berlin(2024, 1 + i % 12, 1 + i % 28, 10), status=JobStatus.DONE,
                to_fill=timedelta(hours=i + 1))
        work(j, someone, when=berlin(2024, 1 + i % 12, 2 + i % 27, 10), minutes=60, paid="8.00")
    with django_assert_num_queries(QUERIES):
        response = coordinator_client.get(PAGE, YEAR_2024)
    assert figures(response)["jobs_done"] == str(jobs)


# --- The operator --------------------------------------------------------------------------


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(role=Role.OPERATOR, email="betrieb@example.org"))
    return client


def test_the_operator_sees_every_exchange_and_the_total(operator_client, exchange, other_exchange, year):
    response = operator_client.get(OPERATOR_PAGE, YEAR_2024)
    assert response.status_code == 200
    by_name = {row["name"]: row["values"] for row in response.context["rows"]}
    posted = [str(c) for c in response.context["columns"]].index("Aufträge eingestellt")
    assert by_name["Taschengeldbörse Kreis Düren"][posted] == "10"
    assert by_name["Taschengeldbörse Aachen"][posted] == "1"
    assert response.context["total"][posted] == "11"
    main = response.content.decode().split("<main", 1)[1]
    for name in PEOPLE:
        assert name not in main


def test_the_operator_csv_has_each_exchange_and_all_together(operator_client, exchange, other_exchange, year):
    response = operator_client.get(OPERATOR_CSV, YEAR_2024)
    assert csv_figures(response, "Taschengeldbörse Aachen")["jobs_posted"] == "1"
    response = operator_client.get(OPERATOR_CSV, YEAR_2024)
    assert csv_figures(response, "Alle Börsen")["jobs_posted"] == "11"
    assert operator_client.get(OPERATOR_CSV, {"start": "2024-02-01", "end": "2024-01-01"}).status_code == 400


def test_a_superuser_may_see_the_operator_view(client, year):
    client.force_login(UserFactory(role=Role.COORDINATOR, is_superuser=True, is_staff=True))
    assert client.get(OPERATOR_PAGE, YEAR_2024).status_code == 200


def test_a_coordinator_may_not_see_the_operator_view(coordinator_client):
    assert coordinator_client.get(OPERATOR_PAGE).status_code == 403
    assert coordinator_client.get(OPERATOR_CSV).status_code == 403
