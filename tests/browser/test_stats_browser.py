"""The annual report in Chromium (issue 6, "done when"): a coordinator opens the statistics, picks
last year's period, sees the chart, downloads the CSV and its numbers match the database, counted
here directly with the ORM (not through the selector the page uses)."""

import csv
import io
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.models import Role
from marketplace.models import Assignment, AssignmentStatus, Job, JobStatus, TeenProfile
from tests.factories import UserFactory, make_coordinator
from tests.marketplace.test_stats import BERLIN, YEAR, build_year

from .conftest import assert_accessible, assert_same_origin
from .helpers import at, expect, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def from_the_database(exchange) -> dict[str, Decimal]:
    lo = datetime.combine(YEAR["start"], time.min, tzinfo=BERLIN)
    hi = datetime.combine(YEAR["end"] + timedelta(days=1), time.min, tzinfo=BERLIN)
    posted = Job.objects.filter(exchange=exchange, created_at__gte=lo, created_at__lt=hi).exclude(
        status=JobStatus.DRAFT)
    minutes = Assignment.objects.filter(job__exchange=exchange, status=AssignmentStatus.DONE, starts_at__gte=lo,
                                        starts_at__lt=hi).aggregate(m=Sum("minutes_worked"))["m"]
    return {
        "jobs_posted": Decimal(posted.count()),
        "jobs_done": Decimal(posted.filter(status=JobStatus.DONE).count()),
        "jobs_cancelled": Decimal(posted.filter(status=JobStatus.CANCELLED).count()),
        "hours": (Decimal(minutes) / 60).quantize(Decimal("0.1")),
        "new_teens": Decimal(TeenProfile.objects.filter(exchange=exchange, created_at__gte=lo,
                                                        created_at__lt=hi).count()),
    }


def test_she_exports_the_statistics_csv_and_the_numbers_match_the_database(page, exchange, other_exchange):
    build_year(exchange, other_exchange)
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    expected = from_the_database(exchange)
    assert expected["jobs_posted"] > 0 and expected["hours"] > 0

    log_in(page, coordinator.email, who="coordinator")
    page.goto("/koordination/statistik/")
    expect(page.get_by_role("heading", name="Statistik", exact=True)).to_be_visible()
    assert_accessible(page, context="coordinator: statistics, this year")

    main = page.get_by_role("main")
    main.get_by_label("von", exact=True).fill(YEAR["start"].isoformat())
    main.get_by_label("bis (einschließlich)").fill(YEAR["end"].isoformat())
    follow(page, main.get_by_role("button", name="Anzeigen"), url=at("/koordination/statistik/"))
    expect(main.get_by_text("01.01.2024–31.12.2024")).to_be_visible()
    chart = main.get_by_role("img", name=re.compile("Aufträge je Monat"))
    expect(chart).to_be_visible()
    assert chart.evaluate("node => node.tagName.toLowerCase()") == "svg"
    expect(main.locator('dd[data-figure="jobs_posted"]')).to_have_text(str(expected["jobs_posted"]))
    assert_accessible(page, context="coordinator: statistics 2024")

    with page.expect_download() as download_info:
        main.get_by_role("link", name="CSV herunterladen").click()
    download = download_info.value
    assert download.suggested_filename == "statistik-kreis-dueren-2024-01-01-2024-12-31.csv"
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "German Excel needs the byte order mark"
    lines = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    exported = {r["Kennzahl"]: Decimal(r["Wert"].replace(",", ".")) for r in lines
                if r["Bereich"] == "Kennzahlen" and r["Wert"]}
    assert {key: exported[key] for key in expected} == expected
    assert {r["Börse"] for r in lines} == {exchange.name}
    assert_same_origin(page)


def test_the_operator_sees_every_exchange_in_one_table(page, exchange, other_exchange):
    build_year(exchange, other_exchange)
    operator = UserFactory(role=Role.OPERATOR, email="betrieb@example.org")
    log_in(page, operator.email, who="operator")
    page.goto(f"/betrieb/statistik/?start={YEAR['start'].isoformat()}&end={YEAR['end'].isoformat()}")
    table = page.get_by_role("table", name=re.compile("Kennzahlen je Börse"))
    expect(table.get_by_role("rowheader", name=exchange.name)).to_be_visible()
    expect(table.get_by_role("rowheader", name=other_exchange.name)).to_be_visible()
    expect(table.get_by_role("rowheader", name="Alle Börsen")).to_be_visible()
    assert_accessible(page, context="operator: statistics 2024")
    assert_same_origin(page)
