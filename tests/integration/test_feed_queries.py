"""The teen's feed costs the same number of SQL queries with 3 nearby open jobs as with 30
(STYLE habit 7: pin the queries of list pages). A query per job would pass every functional
test and still make the feed slow exactly where the exchange works well.

Runs on SQLite as well as on PostgreSQL; the counts are the same on both.
"""

from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

from marketplace.selectors import feed_for_teen
from marketplace.services.jobs import job_create
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
FEED_PATH = "/api/v1/jobs/"
# The teen with her slots, absences and interests (4); her bookings, history, ratings, good
# providers and blocked providers (5); the nearby open jobs with category, exchange and postcode
# (1); the policy and its school holidays (2).
SELECTOR_QUERIES = 12
# The selector's, plus the session and the user (authentication), her profile (the view's
# `teen_profile_for`) and her applications to the jobs on the page. With Redis, sessions are
# read from the cache (cached_db) and the session query goes.
ENDPOINT_QUERIES = SELECTOR_QUERIES + (3 if settings.SESSION_ENGINE.endswith("cached_db") else 4)
CATEGORIES = ["garden", "shopping", "pets", "household", "digital", "company", "tutoring"]


def next_saturday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def post_jobs(exchange, count: int) -> None:
    """`count` open jobs near the teen, from several providers and categories, two thirds at a
    fixed time and one third in a window (the feed suggests a time for those)."""
    coordinator = make_coordinator(exchange)
    providers = [make_provider(exchange, postcode=code) for code in ("52349", "52372")]
    saturday = next_saturday()
    for n in range(count):
        data = {"category": CATEGORIES[n % len(CATEGORIES)], "title": f"Auftrag {n}",
                "hourly_rate": Decimal("8.00"), "helpers_needed": 1 + n % 3}
        if n % 3 == 2:
            data.update(window_start=saturday, window_end=saturday + timedelta(days=6), duration_minutes=60)
        else:
            start = datetime.combine(saturday, clock(10 + n % 5), tzinfo=BERLIN)
            data.update(starts_at=start, ends_at=start + timedelta(hours=1))
        job_create(provider=providers[n % 2], by=coordinator, data=data)


def count_queries(function) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return len(queries.captured_queries), result


@pytest.fixture
def teen(exchange):
    return make_teen(exchange, age=16, radius_km=10)  # Saturdays 10–16 in Düren; Kreuzau is 6 km


def test_the_feed_selector_costs_the_same_with_3_and_30_jobs(exchange, teen):
    counts = {}
    for jobs in (3, 30):
        post_jobs(exchange, jobs - sum(counts.keys()))
        counts[jobs], feed = count_queries(lambda: feed_for_teen(teen=teen))
        assert len(feed) == jobs, "every posted job must be in her feed, or the count proves nothing"
    assert counts == {3: SELECTOR_QUERIES, 30: SELECTOR_QUERIES}


def test_the_feed_endpoint_costs_the_same_with_3_and_30_jobs(exchange, teen, client):
    try:
        resolve(FEED_PATH)
    except Resolver404:
        pytest.skip(f"NOTICE: {FEED_PATH} is not in the API yet")
    client.force_login(teen.user)
    counts = {}
    for jobs in (3, 30):
        post_jobs(exchange, jobs - sum(counts.keys()))
        counts[jobs], response = count_queries(lambda: client.get(FEED_PATH, HTTP_ACCEPT="application/json"))
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == jobs and len(body["results"]) == jobs
        assert all("street" not in job for job in body["results"])  # never in a teen's feed
    assert counts == {3: ENDPOINT_QUERIES, 30: ENDPOINT_QUERIES}
