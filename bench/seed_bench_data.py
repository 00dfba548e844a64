"""The feed benchmark's data: one exchange covering a whole German state (North Rhine-Westphalia,
the most populous) with 20,000 active teens and 5,000 open jobs in PostgreSQL.

Seeded once per database with bulk inserts in one transaction (about a minute), and found again
by a marker row (table `bench_seed`, written in the same transaction, so a half-seeded database
cannot exist). Jobs lie in the 14 days after the seed; on a later day the seeded jobs and the
teens' history are moved forward by the days that passed, so the feed always sees 14 days ahead.

Teens and jobs are spread uniformly over the state's public postcodes, as in
bench/matching_bench.py: postcode areas are cut to similar numbers of households, so this
follows the population roughly (many jobs and teens in the Rhine-Ruhr cities, few in the Eifel).

Used by bench/feed_bench.py after `django.setup()`; not a Django command on purpose (it must
never run against a real exchange's database by accident: it refuses a database whose postcodes
of the state are already served by another exchange).
"""

from __future__ import annotations

import csv
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from marketplace.management.commands._postcodes import read_postcodes, save_postcodes
from marketplace.models import (
    Assignment,
    AssignmentStatus,
    AvailabilitySlot,
    Category,
    Exchange,
    Feedback,
    FeedbackAuthor,
    Job,
    JobStatus,
    Postcode,
    ProviderProfile,
    ProviderStatus,
    ServiceArea,
    TeenProfile,
    TeenStatus,
)
from marketplace.services.exchanges import exchange_create

ROOT = Path(__file__).resolve().parent.parent
POSTCODES_CSV = ROOT.parent / "shared" / "data" / "postcodes-de.csv"
BERLIN = ZoneInfo("Europe/Berlin")

# Bump when the shape of the data changes; an older seed is then refused with instructions.
SEED_VERSION = 1
SEED = 20261121
STATE_CODE = "NW"
TEENS = 20_000
JOBS = 5_000
PROVIDERS = 2_000
DAYS = 14
HISTORY_SHARE = 0.15  # teens with finished jobs behind them (history, ratings)
BATCH = 2_000
RADII = [1, 2, 3, 5, 5, 5, 5, 5, 8, 10, 10, 15, 20, 25]
EMAIL_DOMAIN = "bench.taschengeld.invalid"
MARKER_TABLE = "bench_seed"


@dataclass
class Seeded:
    exchange: Exchange
    teens: int
    open_jobs: int
    postcodes: int
    seconds: float
    fresh: bool
    shifted_days: int


def _marker_slug() -> str:
    return f"bench-{STATE_CODE.lower()}-v{SEED_VERSION}"


def _ensure_marker_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
                       "slug text PRIMARY KEY, exchange_id bigint NOT NULL, anchor date NOT NULL, "
                       "seeded_at timestamptz NOT NULL DEFAULT now())")


def _marker(slug: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT exchange_id, anchor FROM {MARKER_TABLE} WHERE slug = %s", [slug])  # noqa: S608
        return cursor.fetchone()


def public_postcodes(state_code: str) -> set[str]:
    """Postcodes where people live in the state: GeoNames marks them with the letter code of
    the state; "Großkunden" codes of single firms carry a numeric key instead."""
    with POSTCODES_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["zipcode"] for row in csv.DictReader(handle) if row["state_code"] == state_code}


def ensure_postcodes(out) -> None:
    codes = public_postcodes(STATE_CODE)
    known = Postcode.objects.filter(code__in=codes).count()
    if known < len(codes):
        started = time.perf_counter()
        postcodes = read_postcodes(POSTCODES_CSV)
        save_postcodes(postcodes)
        out(f"seed: imported {len(postcodes)} postcodes in {time.perf_counter() - started:.1f} s")


def ensure_seeded(out=print) -> Seeded:
    """Seed the exchange unless the marker says it is there; move its days forward if needed."""
    if not POSTCODES_CSV.exists():
        raise SystemExit(f"missing {POSTCODES_CSV} (the shared reference data beside the project)")
    started = time.perf_counter()
    _ensure_marker_table()
    slug = _marker_slug()
    marker = _marker(slug)
    fresh = marker is None
    if fresh:
        older = Exchange.objects.filter(slug__startswith="bench-").exclude(slug=slug).first()
        if older is not None:
            raise SystemExit(f"the database holds an older benchmark seed ({older.slug}); drop it first, "
                             "e.g. `dropdb -h 127.0.0.1 -U postgres taschengeld_bench`")
        ensure_postcodes(out)
        out(f"seed: {TEENS} teens and {JOBS} open jobs in one exchange over {STATE_CODE} (once per database)")
        with transaction.atomic():
            exchange = _seed(slug)
        shifted = 0
    else:
        exchange = Exchange.objects.get(pk=marker[0])
        shifted = _move_forward(exchange, anchor=marker[1])
    seeded = Seeded(
        exchange=exchange,
        teens=TeenProfile.objects.filter(exchange=exchange, status=TeenStatus.ACTIVE).count(),
        open_jobs=Job.objects.filter(exchange=exchange, status=JobStatus.OPEN).count(),
        postcodes=ServiceArea.objects.filter(exchange=exchange).count(),
        seconds=time.perf_counter() - started, fresh=fresh, shifted_days=shifted,
    )
    if seeded.teens != TEENS or seeded.open_jobs != JOBS:
        raise SystemExit(f"the benchmark exchange {slug} has {seeded.teens} active teens and {seeded.open_jobs} "
                         f"open jobs, not {TEENS} and {JOBS}: something changed it; drop the database")
    return seeded


def _move_forward(exchange: Exchange, *, anchor: date) -> int:
    """Keep the seeded jobs ahead of today: shift every date of the exchange's jobs and
    assignments by the days since the seed (whole days, so the quarter-hour grid stays)."""
    days = (timezone.localdate() - anchor).days
    if days <= 0:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_job SET starts_at = starts_at + make_interval(days => %s), "
            "ends_at = ends_at + make_interval(days => %s), window_start = window_start + %s, "
            "window_end = window_end + %s WHERE exchange_id = %s", [days, days, days, days, exchange.pk])
        cursor.execute(
            "UPDATE marketplace_assignment SET starts_at = starts_at + make_interval(days => %s), "
            "ends_at = ends_at + make_interval(days => %s) "
            "WHERE job_id IN (SELECT id FROM marketplace_job WHERE exchange_id = %s)", [days, days, exchange.pk])
        cursor.execute(f"UPDATE {MARKER_TABLE} SET anchor = %s WHERE slug = %s",  # noqa: S608
                       [timezone.localdate(), _marker_slug()])
    return days


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=BERLIN)


def _seed(slug: str) -> Exchange:
    rng = random.Random(SEED)
    today = timezone.localdate()
    taken = set(ServiceArea.objects.values_list("postcode_id", flat=True))
    codes = sorted(public_postcodes(STATE_CODE) - taken)
    if taken & public_postcodes(STATE_CODE):
        raise SystemExit(f"postcodes of {STATE_CODE} are already served by another exchange: this is not a "
                         "benchmark database (set DATABASE_URL to one, or unset it for taschengeld_bench)")
    exchange = exchange_create(name=f"Benchmark {STATE_CODE}", slug=slug, postcodes=codes)
    places = {p.code: p for p in Postcode.objects.filter(code__in=codes)}
    categories = list(Category.objects.filter(exchange=exchange, active=True))
    password = make_password(None)  # unusable: the benchmark signs its teens in by session

    # Providers, each at a postcode; their jobs are at home.
    users = User.objects.bulk_create(
        [User(email=f"auftraggeber{n}@{EMAIL_DOMAIN}", role=Role.PROVIDER, password=password)
         for n in range(PROVIDERS)], batch_size=BATCH)
    providers = ProviderProfile.objects.bulk_create([
        ProviderProfile(user=user, exchange=exchange, first_name="Auftraggeberin", last_name=str(n),
                        street=f"Hauptstraße {n % 200 + 1}", postcode=places[code], city=places[code].place,
                        phone="0221 000000", private_person_confirmed=True, status=ProviderStatus.ACTIVE,
                        vetted_at=timezone.now())
        for n, (user, code) in enumerate(zip(users, (rng.choice(codes) for _ in users), strict=True))],
        batch_size=BATCH)

    # Teens: ages 14–20 (the default policy), slots after school and at weekends.
    users = User.objects.bulk_create(
        [User(email=f"jugendliche{n}@{EMAIL_DOMAIN}", role=Role.TEEN, password=password) for n in range(TEENS)],
        batch_size=BATCH)
    teens = []
    for n, user in enumerate(users):
        birth = today - timedelta(days=rng.randrange(14 * 365 + 5, 21 * 365 - 5))
        age = (today - birth).days // 365
        minor = age < 18
        teens.append(TeenProfile(
            user=user, exchange=exchange, first_name=f"Jugendliche{n}", last_name="Bench", birth_date=birth,
            in_compulsory_school=age < 15 or (minor and rng.random() < 0.3),
            postcode=places[rng.choice(codes)], radius_km=rng.choice(RADII), status=TeenStatus.ACTIVE,
            parent_name="Elternteil" if minor else "", parent_email=f"eltern{n}@{EMAIL_DOMAIN}" if minor else "",
            intake_on=today - timedelta(days=30)))
    teens = TeenProfile.objects.bulk_create(teens, batch_size=BATCH)
    slots, interests = [], []
    for teen in teens:
        for weekday in rng.sample(range(7), rng.randint(1, 4)):
            start_hour = rng.randint(14, 18) if weekday < 5 else rng.randint(9, 15)
            slots.append(AvailabilitySlot(teen=teen, weekday=weekday, start=clock(start_hour),
                                          end=clock(min(start_hour + rng.randint(2, 4), 21))))
        for category in rng.sample(categories, rng.randint(1, 3)):
            interests.append(TeenProfile.interests.through(teenprofile_id=teen.pk, category_id=category.pk))
    AvailabilitySlot.objects.bulk_create(slots, batch_size=BATCH)
    TeenProfile.interests.through.objects.bulk_create(interests, batch_size=BATCH)

    # Open jobs in the next 14 days: 60 % at a fixed time, the rest in a window of days.
    jobs = [_job(rng, exchange, rng.choice(providers), rng.choice(categories), today, n) for n in range(JOBS)]
    Job.objects.bulk_create(jobs, batch_size=BATCH)

    # History: some teens did jobs in the past weeks and were rated (history, ratings and
    # "good with this provider" in the engine's score come from these rows).
    past_jobs, pairs = [], []
    for teen in rng.sample(teens, int(TEENS * HISTORY_SHARE)):
        for _ in range(rng.randint(1, 3)):
            provider = rng.choice(providers)
            day = today - timedelta(days=rng.randint(3, 90))
            start = _at(day, rng.randint(10, 17))
            past_jobs.append(Job(
                exchange=exchange, provider=provider, category=rng.choice(categories), title="Erledigter Auftrag",
                street=provider.street, postcode=provider.postcode, latitude=provider.postcode.latitude,
                longitude=provider.postcode.longitude, starts_at=start, ends_at=start + timedelta(hours=1),
                hourly_rate=Decimal("8.00"), helpers_needed=1, helpers_accepted=1, status=JobStatus.DONE,
                created_by=provider.user, published_at=start - timedelta(days=5), filled_at=start - timedelta(days=3)))
            pairs.append(teen)
    past_jobs = Job.objects.bulk_create(past_jobs, batch_size=BATCH)
    assignments = Assignment.objects.bulk_create([
        Assignment(job=job, teen=teen, status=AssignmentStatus.DONE, starts_at=job.starts_at, ends_at=job.ends_at,
                   minutes_worked=60, amount_paid=Decimal("8.00"), provider_confirmed_at=job.ends_at,
                   teen_confirmed_at=job.ends_at)
        for job, teen in zip(past_jobs, pairs, strict=True)], batch_size=BATCH)
    Feedback.objects.bulk_create([
        Feedback(assignment=a, author=FeedbackAuthor.PROVIDER, stars=rng.choice([3, 4, 4, 5, 5, 5]))
        for a in assignments], batch_size=BATCH)

    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (slug, exchange_id, anchor) VALUES (%s, %s, %s)",  # noqa: S608
                       [slug, exchange.pk, today])
        cursor.execute("ANALYZE")
    return exchange


def _job(rng: random.Random, exchange, provider, category, today: date, n: int) -> Job:
    postcode = provider.postcode
    duration = rng.choice([60, 90, 120, 120, 150])
    job = Job(
        exchange=exchange, provider=provider, category=category, title=f"{category.name} ({n})",
        description="Benchmark", street=provider.street, postcode=postcode, latitude=postcode.latitude,
        longitude=postcode.longitude, radius_km=rng.choice([None, None, None, 2, 3, 5, 10]),
        hourly_rate=Decimal("8.00"), helpers_needed=rng.choice([1, 1, 1, 2, 3]), status=JobStatus.OPEN,
        created_by=provider.user, published_at=timezone.now() - timedelta(days=rng.randint(0, 5)),
    )
    if rng.random() < 0.6:
        # From tomorrow on, so that no job starts while the benchmark runs.
        start = _at(today + timedelta(days=rng.randint(1, DAYS)), rng.randint(9, 18), rng.choice([0, 30]))
        job.starts_at, job.ends_at = start, start + timedelta(minutes=duration)
    else:
        first = today + timedelta(days=rng.randint(1, DAYS - 2))
        job.window_start = first
        job.window_end = min(first + timedelta(days=rng.randint(1, 6)), today + timedelta(days=DAYS))
        job.duration_minutes = duration
    return job
