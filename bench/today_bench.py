"""Benchmark of the coordinator's "Today" page, `GET /koordination/`, on PostgreSQL.

Run with `make bench`. The database is DATABASE_URL if set, else
postgres://postgres@127.0.0.1:5432/taschengeld_bench_today, created (and migrated) when missing.
Without a reachable PostgreSQL it prints `today_skipped: no PostgreSQL` and exits 0.

The data lives only for the run: it is seeded inside one transaction that is rolled back at the
end, so every run starts from the same state, the queues of "jobs starting within 48 hours" are
always 48 hours from now, and nothing is left in the database. One exchange ("Bench Heute") has
exactly 10 items in every one of the page's eleven queues: teens waiting for consent, for the
intake talk and for the decision; providers to vet; jobs to review; open jobs starting within
48 hours with places left; call tasks; open problem reports; low ratings; no-shows; failed
messages. Around them, so that no query has an easy time: 400 teens, 200 providers and 1,000
jobs of that exchange in other states (done with feedback and notifications, filled, cancelled,
expired, open later), and a second exchange with 10 items in every queue that the coordinator
must never see.

Production settings (DJANGO_ENV=production, DEBUG off, templates cached) with a throw-away
SECRET_KEY; Redis as cache and session store like in production when it answers on
TODAY_BENCH_REDIS_URL (default redis://127.0.0.1:6379/7), else the database cache. The static
files are referenced without the hashed manifest (that needs `collectstatic`; the HTML costs
the same). The coordinator is signed in with the test client's force_login. After 10 warm-up
requests, 50 requests:
    today_page           median wall time of the whole request (middleware, queries, template)
    today_page_p95       95th percentile
    today_page_cpu       median CPU time of this process per request (without PostgreSQL's share)
    today_page_queries   SQL queries of one request (the same however full the queues are)
Each figure on a line of its own as `name: number unit`. Target: median under 200 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

from _common import (
    ms,
    p95,
    plain_static_files,
    postgres_ready,
    production_environment,
    redis_answers,
    setup_django,
    timed_calls,
)

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taschengeld_bench_today"
REDIS_URL = os.environ.get("TODAY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PAGE = "/koordination/"
PER_QUEUE = 10
WARMUP_REQUESTS = 10
REQUESTS = 50
TARGET_MS = 200
# Postcodes no German place has (they start at 01067): the seed never meets real ones.
POSTCODES = {"bench-heute": ["00101", "00102", "00103"], "bench-anderswo": ["00201"]}


class Rollback(Exception):
    """Raised at the end of the run to roll the seeded data back."""


def configure_environment() -> str:
    """Production settings for the test client; returns the database URL."""
    url = os.environ.get("DATABASE_URL") or BENCH_DATABASE_URL
    # The benchmark's coordinator has no authenticator app; the page is the same with one.
    production_environment(url, REQUIRE_COORDINATOR_MFA="False")
    if redis_answers(REDIS_URL):
        os.environ["REDIS_URL"] = REDIS_URL
    else:
        os.environ.pop("REDIS_URL", None)
    return url


# --- the data -----------------------------------------------------------------------------

class Seeder:
    """Bulk inserts for one exchange. Rows are written directly (no services, so no
    notifications and no tasks): the page reads them, nothing else does."""

    def __init__(self, exchange, postcodes: list[str], prefix: str):
        from django.utils import timezone

        self.exchange, self.postcodes, self.prefix = exchange, postcodes, prefix
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.category = exchange.categories.get(slug="garden")
        self.counter = 0

    def _n(self) -> int:
        self.counter += 1
        return self.counter

    def users(self, count: int, role: str) -> list:
        from accounts.models import User

        users = [User(email=f"{self.prefix}-{role}-{self._n()}@bench.invalid", role=role, password="!")
                 for _ in range(count)]
        return User.objects.bulk_create(users)

    def teens(self, count: int, status: str, **fields) -> list:
        from marketplace.models import TeenProfile

        users = self.users(count, "teen")
        teens = [TeenProfile(
            user=user, exchange=self.exchange, first_name=f"Teen{i}", last_name="Bench",
            birth_date=self.today.replace(year=self.today.year - 16) - timedelta(days=40 + i),
            postcode_id=self.postcodes[i % len(self.postcodes)], parent_name="Eltern Bench",
            parent_email="eltern@bench.invalid", status=status,
            status_changed_at=self.now - timedelta(days=i + 1), **fields) for i, user in enumerate(users)]
        return TeenProfile.objects.bulk_create(teens)

    def providers(self, count: int, status: str) -> list:
        from marketplace.models import ProviderProfile

        users = self.users(count, "provider")
        providers = [ProviderProfile(
            user=user, exchange=self.exchange, first_name=f"Anbieter{i}", last_name="Bench", street="Hauptstraße 1",
            postcode_id=self.postcodes[i % len(self.postcodes)], city="Bench", phone="02421 000",
            private_person_confirmed=True, status=status, created_at=self.now - timedelta(days=i + 1))
            for i, user in enumerate(users)]
        return ProviderProfile.objects.bulk_create(providers)

    def jobs(self, providers: list, count: int, status: str, *, starts_in: list[timedelta], accepted: int = 0) -> list:
        from marketplace.models import Job

        jobs = []
        for i in range(count):
            start = (self.now + starts_in[i % len(starts_in)]).replace(second=0, microsecond=0)
            jobs.append(Job(
                exchange=self.exchange, provider=providers[i % len(providers)], category=self.category,
                title=f"Auftrag {status} {i}", street="Hauptstraße 1", postcode_id=self.postcodes[0],
                latitude=50.8, longitude=6.48, starts_at=start, ends_at=start + timedelta(minutes=90),
                hourly_rate=Decimal("8.00"), helpers_needed=1, helpers_accepted=accepted, status=status,
                created_at=self.now - timedelta(days=i % 60 + 1, hours=i % 24)))
        return Job.objects.bulk_create(jobs)

    def assignments(self, jobs: list, teens: list, status: str) -> list:
        from marketplace.models import Assignment

        return Assignment.objects.bulk_create([
            Assignment(job=job, teen=teens[i % len(teens)], status=status, starts_at=job.starts_at,
                       ends_at=job.ends_at) for i, job in enumerate(jobs)])

    def notifications(self, count: int, *, channel: str, status: str, done: bool = False) -> None:
        from notifications.models import Notification

        Notification.objects.bulk_create([Notification(
            recipient_name=f"Empfänger {i}", recipient_email="someone@bench.invalid", recipient_phone="02421 000",
            exchange_id=self.exchange.pk, kind="application.new", channel=channel, status=status,
            created_at=self.now - timedelta(hours=i + 1), done_at=self.now if done else None,
            key=f"{self.prefix}:{channel}:{status}:{self._n()}") for i in range(count)])

    def every_queue(self, n: int) -> None:
        """Exactly `n` items in every queue of the Today page."""
        from marketplace.models import (
            AssignmentStatus,
            Feedback,
            FeedbackAuthor,
            Incident,
            JobStatus,
            ProviderStatus,
            TeenStatus,
        )
        from notifications.models import Channel, Status

        self.teens(n, TeenStatus.CONSENT_PENDING)
        self.teens(n, TeenStatus.INTAKE_PENDING)
        self.teens(n, TeenStatus.INTAKE_PENDING, intake_on=self.today - timedelta(days=2))
        self.providers(n, ProviderStatus.PENDING)
        providers = self.providers(5, ProviderStatus.ACTIVE)
        self.jobs(providers, n, JobStatus.REVIEW, starts_in=[timedelta(days=6)])
        self.jobs(providers, n, JobStatus.OPEN, starts_in=[timedelta(hours=3 + 4 * i) for i in range(n)])
        self.notifications(n, channel=Channel.CALL, status=Status.SENT)
        self.notifications(n, channel=Channel.EMAIL, status=Status.FAILED)
        helpers = self.teens(n, TeenStatus.ACTIVE)
        past = [-timedelta(days=d) for d in range(2, 30)]
        missed = self.assignments(self.jobs(providers, n, JobStatus.FILLED, starts_in=past, accepted=1), helpers,
                                  AssignmentStatus.NO_SHOW)
        rated = self.assignments(self.jobs(providers, n, JobStatus.DONE, starts_in=past, accepted=1), helpers,
                                 AssignmentStatus.DONE)
        Feedback.objects.bulk_create([Feedback(assignment=a, author=FeedbackAuthor.PROVIDER, stars=1 + i % 2,
                                               comment="Nicht zufrieden.", created_at=self.now - timedelta(days=i))
                                      for i, a in enumerate(rated)])
        Incident.objects.bulk_create([Incident(exchange=self.exchange, job=a.job, assignment=a,
                                               reported_by=a.job.provider.user, text="Der Helfer kam zu spät.",
                                               created_at=self.now - timedelta(days=i)) for i, a in enumerate(missed)])

    def background(self) -> None:
        """What an exchange of a year looks like around the queues (none of it in a queue)."""
        from marketplace.models import (
            Assignment,
            AssignmentStatus,
            Feedback,
            FeedbackAuthor,
            Incident,
            IncidentStatus,
            JobStatus,
            ProviderStatus,
            TeenStatus,
        )
        from notifications.models import Channel, Status

        teens = self.teens(360, TeenStatus.ACTIVE)
        self.teens(20, TeenStatus.PAUSED)
        self.teens(20, TeenStatus.SUSPENDED)
        providers = self.providers(190, ProviderStatus.ACTIVE)
        self.providers(10, ProviderStatus.SUSPENDED)
        past = [-timedelta(days=d, hours=h) for d in range(2, 300, 7) for h in (0, 5)]
        done = self.jobs(providers, 500, JobStatus.DONE, starts_in=past, accepted=1)
        assignments = self.assignments(done, teens, AssignmentStatus.DONE)
        Feedback.objects.bulk_create([Feedback(assignment=a, author=FeedbackAuthor.PROVIDER, stars=4 + i % 2)
                                      for i, a in enumerate(assignments)])
        # The teens rate too: mostly well; every tenth a low rating that was looked into already.
        Feedback.objects.bulk_create([
            Feedback(assignment=a, author=FeedbackAuthor.TEEN, stars=1 if i % 10 == 0 else 3 + i % 3,
                     reviewed_at=self.now if i % 10 == 0 else None)
            for i, a in enumerate(assignments) if i % 2 == 0])
        followed_up = self.assignments(self.jobs(providers, 30, JobStatus.DONE, starts_in=past, accepted=1),
                                       teens[::7], AssignmentStatus.NO_SHOW)
        Assignment.objects.filter(pk__in=[a.pk for a in followed_up]).update(reviewed_at=self.now)
        future = [timedelta(days=d, hours=h) for d in range(3, 30) for h in (0, 6)]
        self.jobs(providers, 150, JobStatus.FILLED, starts_in=future, accepted=1)
        self.jobs(providers, 120, JobStatus.OPEN, starts_in=future)
        self.jobs(providers, 100, JobStatus.CANCELLED, starts_in=past + future)
        self.jobs(providers, 70, JobStatus.EXPIRED, starts_in=past)
        self.jobs(providers, 30, JobStatus.REJECTED, starts_in=future)
        Incident.objects.bulk_create([Incident(exchange=self.exchange, job=job, text="Erledigt.",
                                               status=IncidentStatus.CLOSED, closed_at=self.now)
                                      for job in done[:40]])
        self.notifications(3000, channel=Channel.EMAIL, status=Status.SENT)
        self.notifications(1500, channel=Channel.INAPP, status=Status.SENT)
        self.notifications(200, channel=Channel.CALL, status=Status.SENT, done=True)
        self.notifications(20, channel=Channel.CALL, status=Status.PENDING)


def seed():
    """Two exchanges, the coordinator of the first; returns (coordinator, seconds)."""
    from django.db import connection

    from marketplace.models import Postcode
    from marketplace.services.exchanges import coordinator_create, exchange_create

    started = time.perf_counter()
    for code in POSTCODES["bench-heute"] + POSTCODES["bench-anderswo"]:
        Postcode.objects.get_or_create(code=code, defaults={"place": f"Bench {code}", "latitude": 50.8,
                                                            "longitude": 6.48})
    here = exchange_create(name="Bench Heute", slug="bench-heute", postcodes=POSTCODES["bench-heute"])
    there = exchange_create(name="Bench Anderswo", slug="bench-anderswo", postcodes=POSTCODES["bench-anderswo"])
    seeder = Seeder(here, POSTCODES["bench-heute"], "heute")
    seeder.every_queue(PER_QUEUE)
    seeder.background()
    Seeder(there, POSTCODES["bench-anderswo"], "anderswo").every_queue(PER_QUEUE)
    coordinator = coordinator_create(email="koordination@bench-heute.invalid", password=None, exchanges=[here])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner, as autovacuum would have them
    return coordinator, time.perf_counter() - started


# --- the measurement ----------------------------------------------------------------------

def measure(coordinator) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marketplace.selectors.today import QUEUES, today_queues

    counts = {key: queue.count for key, queue in today_queues(user=coordinator).items()}
    if set(counts.values()) != {PER_QUEUE}:
        print(f"today_bench: the seed is wrong, queue sizes {counts}")
        return 1
    print(f"today_queues: {len(QUEUES)} queues, {PER_QUEUE} items each")

    client = Client()
    client.force_login(coordinator)

    def get():
        response = client.get(PAGE)
        if response.status_code != 200:
            raise SystemExit(f"GET {PAGE} answered {response.status_code}: {response.content[:300]!r}")
        return response

    times, cpu = timed_calls(get, warmup=WARMUP_REQUESTS, times=REQUESTS)
    with CaptureQueriesContext(connection) as queries:
        response = get()
    html = response.content.decode()
    if "Bench Anderswo" in html or "anderswo" in html:
        print("today_bench: the other exchange's data is on the page")
        return 1
    median = statistics.median(times)
    print(f"today_page: {ms(median)}")
    print(f"today_page_p95: {ms(p95(times))}")
    print(f"today_page_max: {ms(max(times))}")
    # CPU of this process alone (PostgreSQL's share not included): unlike wall time, it does not
    # grow when other programs share the machine.
    print(f"today_page_cpu: {ms(statistics.median(cpu))}")
    print(f"today_page_queries: {len(queries.captured_queries)}")
    print(f"today_page_bytes: {len(response.content)} bytes")
    if median * 1000 >= TARGET_MS:
        print(f"today_page_target_missed: median {ms(median)} (target under {TARGET_MS} ms)")
    return 0


def main() -> int:
    url = configure_environment()
    if not postgres_ready(url, "Today"):
        print("today_skipped: no PostgreSQL")
        return 0

    setup_django(cache_table=not os.environ.get("REDIS_URL"))
    from django.db import transaction

    print(f"today_database: {url.rsplit('/', 1)[-1]} (cache and sessions: "
          f"{'Redis' if os.environ.get('REDIS_URL') else 'database'})")
    status = 0
    with plain_static_files():
        try:
            with transaction.atomic():
                coordinator, seconds = seed()
                print(f"today_seed: {seconds:.1f} s (rolled back after the run)")
                status = measure(coordinator)
                raise Rollback
        except Rollback:
            pass
    return status


if __name__ == "__main__":
    sys.exit(main())
