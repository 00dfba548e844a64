"""Benchmark of the statistics page (issue 6, point 5) for an exchange with one year of data:
20,000 jobs, 3,000 teens, 600 providers and an assignment for every job that got done.

Run with `make bench`. The database is DATABASE_URL if set, else
postgres://postgres@127.0.0.1:5432/taschengeld_bench_stats, created when missing. The data is
seeded once (bulk inserts in one transaction, a few seconds) into an exchange of its own
(slug `bench-stats`, made-up postcodes 00101 to 00112 that no real place has) and found again
on later runs. Without a reachable PostgreSQL it prints `stats_skipped: no PostgreSQL` and exits 0.

The production settings (DJANGO_ENV=production, DEBUG off) with a throw-away SECRET_KEY; a
signed-in coordinator and Django's test client, in-process:
    stats_page / stats_page_p95     wall time of `GET /koordination/statistik/` for the seeded
                                    year, median and 95th percentile of 20 requests after a warm-up
    stats_page_queries              SQL queries per request
    stats_csv_first_byte            the CSV export of the same figures, until its first chunk
    stats_csv_total                 ... until its last chunk (a StreamingHttpResponse)
Target: stats_page under 500 ms. Each figure on a line of its own as `name: number unit`.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from _common import ms, p95, plain_static_files, postgres_ready, production_environment, setup_django, timed_calls

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taschengeld_bench_stats"
SLUG = "bench-stats"
YEAR = 2025
JOBS, TEENS, PROVIDERS = 20_000, 3_000, 600
POSTCODES = [(f"{101 + i:05d}", f"Benchdorf {chr(65 + i)}") for i in range(12)]
SEED = 20260601
WARMUP, REQUESTS = 3, 20
BATCH = 2_000
COORDINATOR_EMAIL = "koordination@bench-stats.invalid"
BERLIN = ZoneInfo("Europe/Berlin")


# --- seed ---------------------------------------------------------------------------------

def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def seed():
    """One exchange with a year of data, written in one transaction: a half-seeded database
    cannot exist, and the exchange's presence means the data is complete."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Role, User
    from marketplace.models import (
        Assignment,
        AssignmentStatus,
        Category,
        Job,
        JobStatus,
        Postcode,
        ProviderProfile,
        ProviderStatus,
        TeenProfile,
        TeenStatus,
    )
    from marketplace.services.exchanges import coordinator_create, exchange_create

    rng = random.Random(SEED)
    password = make_password(secrets.token_urlsafe(16))  # hashed once: nobody signs in with it
    first = date(YEAR, 1, 1)
    with transaction.atomic():
        for code, place in POSTCODES:
            Postcode.objects.get_or_create(code=code, defaults={
                "place": place, "community": "Benchkreis", "latitude": 50.8 + rng.random() / 10,
                "longitude": 6.4 + rng.random() / 10})
        exchange = exchange_create(name="Taschengeldbörse Statistik-Benchmark", slug=SLUG,
                                   postcodes=[code for code, _ in POSTCODES])
        coordinator_create(email=COORDINATOR_EMAIL, password=secrets.token_urlsafe(16),
                           exchanges=[exchange])
        categories = list(Category.objects.filter(exchange=exchange))
        postcodes = {code: Postcode.objects.get(code=code) for code, _ in POSTCODES}

        users = User.objects.bulk_create(
            [User(email=f"teen{i}@bench-stats.invalid", role=Role.TEEN, password=password) for i in range(TEENS)]
            + [User(email=f"provider{i}@bench-stats.invalid", role=Role.PROVIDER, password=password)
               for i in range(PROVIDERS)], batch_size=BATCH)
        teen_statuses = [TeenStatus.ACTIVE] * 8 + [TeenStatus.PAUSED, TeenStatus.INTAKE_PENDING]
        teens = TeenProfile.objects.bulk_create([
            TeenProfile(user=user, exchange=exchange, first_name="Bench", last_name=str(i),
                        birth_date=date(YEAR - rng.randint(13, 19), rng.randint(1, 12), rng.randint(1, 28)),
                        in_compulsory_school=rng.random() < 0.7, postcode=postcodes[rng.choice(POSTCODES)[0]],
                        status=rng.choice(teen_statuses),
                        created_at=at(date(YEAR - rng.randint(0, 2), 1, 1) + timedelta(days=rng.randrange(365)), 12))
            for i, user in enumerate(users[:TEENS])], batch_size=BATCH)
        providers = ProviderProfile.objects.bulk_create([
            ProviderProfile(user=user, exchange=exchange, first_name="Bench", last_name=str(i), street="Weg 1",
                            postcode=postcodes[rng.choice(POSTCODES)[0]], status=ProviderStatus.ACTIVE,
                            private_person_confirmed=True,
                            created_at=at(date(YEAR - rng.randint(0, 2), 1, 1) + timedelta(days=rng.randrange(365)), 9))
            for i, user in enumerate(users[TEENS:])], batch_size=BATCH)

        # Most jobs get done; some are cancelled, expire, are rejected or still wait.
        weights = [(JobStatus.DONE, 80), (JobStatus.CANCELLED, 5), (JobStatus.EXPIRED, 5), (JobStatus.REJECTED, 3),
                   (JobStatus.OPEN, 3), (JobStatus.FILLED, 3), (JobStatus.REVIEW, 1)]
        statuses, cum = zip(*weights, strict=True)
        jobs, plans = [], []
        for _ in range(JOBS):
            provider = rng.choice(providers)
            created = at(first + timedelta(days=rng.randrange(365)), rng.randint(7, 20), rng.randrange(60))
            status = rng.choices(statuses, weights=cum)[0]
            published = created + timedelta(hours=rng.randint(1, 48)) if status != JobStatus.REVIEW and \
                status != JobStatus.REJECTED else None
            filled = (published + timedelta(hours=rng.randint(1, 120))
                      if status in (JobStatus.DONE, JobStatus.FILLED) or (status == JobStatus.CANCELLED
                                                                           and rng.random() < 0.5) else None)
            starts = (filled or published or created) + timedelta(days=rng.randint(1, 10))
            minutes = rng.choice([60, 90, 120, 150, 180])
            jobs.append(Job(
                exchange=exchange, provider=provider, category=rng.choice(categories), title="Hilfe",
                street="Weg 1", postcode=provider.postcode, latitude=provider.postcode.latitude,
                longitude=provider.postcode.longitude, starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                hourly_rate=Decimal("8.00"), status=status, published_at=published, filled_at=filled,
                helpers_accepted=1 if filled else 0, created_at=created))
            plans.append(minutes)
        jobs = Job.objects.bulk_create(jobs, batch_size=BATCH)
        Assignment.objects.bulk_create([
            Assignment(job=job, teen=rng.choice(teens),
                       status=AssignmentStatus.DONE if job.status == JobStatus.DONE else AssignmentStatus.CONFIRMED,
                       starts_at=job.starts_at, ends_at=job.ends_at,
                       minutes_worked=minutes if job.status == JobStatus.DONE else None,
                       amount_paid=Decimal(minutes) * Decimal("8.00") / 60 if job.status == JobStatus.DONE else None)
            for job, minutes in zip(jobs, plans, strict=True) if job.status in (JobStatus.DONE, JobStatus.FILLED)],
            batch_size=BATCH)
    return exchange


def ensure_seeded():
    from django.db import connection

    from marketplace.models import Exchange

    started = time.perf_counter()
    exchange = Exchange.objects.filter(slug=SLUG).first()
    fresh = exchange is None
    if fresh:
        exchange = seed()
    _coordinator_with_totp()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE marketplace_job; ANALYZE marketplace_assignment; ANALYZE marketplace_teenprofile")
    return exchange, fresh, time.perf_counter() - started


def _coordinator_with_totp():
    """The coordinator has two-factor authentication, as production requires of coordinators
    (accounts.middleware.CoordinatorMFAMiddleware); its check is part of every request."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User

    user = User.objects.get(email=COORDINATOR_EMAIL)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


# --- measure ------------------------------------------------------------------------------

def main() -> int:
    url = os.environ.get("DATABASE_URL") or BENCH_DATABASE_URL
    production_environment(url)
    if not postgres_ready(url, "statistics"):
        print("stats_skipped: no PostgreSQL")
        return 0

    setup_django(cache_table=True)
    from marketplace.models import Assignment, Job

    exchange, fresh, seconds = ensure_seeded()
    jobs = Job.objects.filter(exchange=exchange).count()
    done = Assignment.objects.filter(job__exchange=exchange, status="done").count()
    print(f"stats_database: {url.rsplit('/', 1)[-1]} ({jobs} jobs, {exchange.teens.count()} teens, "
          f"{done} assignments done in {YEAR}; {'seeded' if fresh else 'found'} in {seconds:.1f} s)")
    with plain_static_files():
        measure(exchange)
    return 0


def measure(exchange) -> None:
    from django.db import connection
    from django.http import StreamingHttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=COORDINATOR_EMAIL))
    params = {"boerse": exchange.pk, "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
    page, export = reverse("coordinator_stats"), reverse("coordinator_stats_csv")

    def get_page():
        response = client.get(page, params)
        if response.status_code != 200:
            raise SystemExit(f"GET {page} answered {response.status_code}")
        return response

    times, _cpu = timed_calls(get_page, warmup=WARMUP, times=REQUESTS)
    with CaptureQueriesContext(connection) as queries:
        get_page()
    print(f"stats_page: {ms(statistics.median(times))}")
    print(f"stats_page_p95: {ms(p95(times))}")
    print(f"stats_page_queries: {len(queries.captured_queries)} queries")

    firsts, totals = [], []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(export, params)
        assert isinstance(response, StreamingHttpResponse), type(response)
        chunks = iter(response.streaming_content)
        next(chunks)
        firsts.append(time.perf_counter() - started)
        size = sum(len(chunk) for chunk in chunks)
        totals.append(time.perf_counter() - started)
        response.close()
    print(f"stats_csv_first_byte: {ms(statistics.median(firsts))}")
    print(f"stats_csv_total: {ms(statistics.median(totals))} ({size} bytes after the first line)")


if __name__ == "__main__":
    sys.exit(main())
