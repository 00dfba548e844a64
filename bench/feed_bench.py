"""Benchmark of the teen's feed, `GET /api/v1/jobs/`, on PostgreSQL with 5,000 open jobs and
20,000 active teens in one exchange covering North Rhine-Westphalia (bench/seed_bench_data.py).

Run with `make bench` (after the matching benchmark). The database is DATABASE_URL if set,
else postgres://postgres@127.0.0.1:5432/taschengeld_bench, created when missing and seeded once.
Without a reachable PostgreSQL it prints `feed_skipped: no PostgreSQL` and exits 0.

Both parts run the production settings (DJANGO_ENV=production, DEBUG off) with a throw-away
SECRET_KEY and plain HTTP on loopback. Teens are signed in by sessions written to the database
the way Django's login writes them; the API reads the session key as the X-Session-Token of
allauth's app client, exactly as for a phone app.

(a) In-process: Django's test client against the same database, 100 random teens after a
    warm-up, one request each:
        feed_inprocess_median / _p95      wall time of the whole request (auth, feed, JSON)
        feed_queries                      SQL queries per request (must not vary)
    and where the time goes: SQL time, the selector, the engine, the rest (DRF, JSON).
(b) Over HTTP: gunicorn on 127.0.0.1 (a free port, sync workers), 16 connections that each
    send the next request as soon as the last one is answered, for 20 s after a warm-up,
    rotating over 200 signed-in teens:
        feed_rps                          answered requests per second (all must be 200)
        feed_p95                          95th percentile of the response time
Each figure on a line of its own as `name: number unit`.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, ms, p95, postgres_ready, production_environment

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taschengeld_bench"
FEED_PATH = "/api/v1/jobs/"
SEED = 20261121
SAMPLE_TEENS = 100
WARMUP_REQUESTS = 20
SIGNED_IN_TEENS = 200
CONNECTIONS = int(os.environ.get("FEED_BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("FEED_BENCH_WORKERS", "3"))
LOAD_SECONDS = float(os.environ.get("FEED_BENCH_SECONDS", "20"))
LOAD_WARMUP_SECONDS = 3.0
STARTUP_SECONDS = 60


# --- environment and database -------------------------------------------------------------

def configure_environment() -> str:
    """The production settings over plain HTTP on loopback; returns the database URL."""
    url = os.environ.get("DATABASE_URL") or BENCH_DATABASE_URL
    # Production runs with Redis as cache and broker; so does the bench (a database of its own).
    production_environment(url, REDIS_URL=os.environ.get("FEED_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    return url


def sign_in(users) -> list[str]:
    """A session per user, written as django.contrib.auth.login writes it; the keys are the
    X-Session-Token of allauth's app client."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


# --- (a) in-process -----------------------------------------------------------------------

class Profile:
    """Time spent in the selector's parts, collected by wrapping them (second pass only)."""

    def __init__(self):
        self.selector: list[float] = []
        self.engine: list[float] = []
        self.snapshot: list[float] = []
        self.nearby: list[int] = []

    def install(self):
        from marketplace import selectors
        from matching import engine

        originals = (selectors.feed_for_teen, selectors.snapshot_now, engine.jobs_for_teen)

        def timed(target, store, count_jobs=False):
            def wrapper(*args, **kwargs):
                if count_jobs:
                    self.nearby.append(len(kwargs["jobs"]))
                started = time.perf_counter()
                try:
                    return target(*args, **kwargs)
                finally:
                    store.append(time.perf_counter() - started)
            return wrapper

        selectors.snapshot_now = timed(originals[1], self.snapshot, count_jobs=True)
        engine.jobs_for_teen = timed(originals[2], self.engine)
        # The view imported the selector by name: wrap it where the view looks it up.
        from marketplace.api import jobs as api_jobs

        api_original = api_jobs.feed_for_teen
        api_jobs.feed_for_teen = timed(api_original, self.selector)

        def uninstall():
            selectors.feed_for_teen, selectors.snapshot_now, engine.jobs_for_teen = originals
            api_jobs.feed_for_teen = api_original
        return uninstall


def in_process(tokens: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT="application/json")

    def get(token):
        response = client.get(FEED_PATH, HTTP_X_SESSION_TOKEN=token)
        if response.status_code != 200:
            raise SystemExit(f"GET {FEED_PATH} answered {response.status_code}: {response.content[:300]!r}")
        return response

    # Warm up on other teens than the measured ones.
    for token in tokens[SAMPLE_TEENS:SAMPLE_TEENS + WARMUP_REQUESTS]:
        get(token)
    sample = tokens[:SAMPLE_TEENS]

    from django.test import override_settings

    # Cold: the feed computed on every request (the cache switched off), the real work.
    times, cpu, sizes = [], [], []
    with override_settings(FEED_CACHE_SECONDS=0):
        for token in sample:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = get(token)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            sizes.append(response.json()["count"])
    # Warm: the same teens again with the cache on (filled by one read each), as repeated
    # reads are served in production until something in the exchange changes.
    for token in sample:
        get(token)
    warm = []
    for token in sample:
        started = time.perf_counter()
        get(token)
        warm.append(time.perf_counter() - started)
    print(f"feed_inprocess_median: {ms(statistics.median(times))}")
    print(f"feed_inprocess_p95: {ms(p95(times))}")
    print(f"feed_inprocess_max: {ms(max(times))}")
    # CPU of this process alone (PostgreSQL's share not included): unlike wall time, it does
    # not grow when other programs share the machine, and it bounds what 2 cores can serve.
    print(f"feed_inprocess_cpu_median: {ms(statistics.median(cpu))}")
    print(f"feed_inprocess_cpu_mean: {ms(statistics.fmean(cpu))}")
    print(f"feed_inprocess_cached_median: {ms(statistics.median(warm))} (a repeated read, from the cache)")
    print(f"feed_inprocess_cached_p95: {ms(p95(warm))}")

    # Second pass over the same teens: queries and where the time goes (the instrumentation
    # costs a little, so the timings above come from the clean pass).
    profile = Profile()
    uninstall = profile.install()
    counts, empty_counts, sql_times, totals = [], [], [], []
    spent = [0.0]

    def timed_sql(execute, sql, params, many, context):
        # Django's captured times are rounded to milliseconds; most of these queries take less.
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    try:
        for token in sample:
            # Cache off: this pass explains the cold figures above.
            from django.core.cache import cache

            cache.clear()
            spent[0] = 0.0
            with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed_sql):
                started = time.perf_counter()
                response = get(token)
                totals.append(time.perf_counter() - started)
            # An empty page skips the lookup of her applications to the jobs on it.
            (counts if response.json()["results"] else empty_counts).append(len(queries.captured_queries))
            sql_times.append(spent[0])
    finally:
        uninstall()
    print(f"feed_queries: {max(counts)} queries")
    if min(counts) != max(counts):
        print(f"feed_queries_range: {min(counts)}-{max(counts)} queries (NOT constant)")
    if empty_counts:
        print(f"feed_queries_empty_feed: {max(empty_counts)} queries ({len(empty_counts)} of {len(sample)} teens "
              "have nothing in their feed)")
    print(f"feed_jobs_mean: {statistics.fmean(sizes):.1f} jobs (in the feed; a page shows up to 50)")
    print(f"feed_nearby_jobs_mean: {statistics.fmean(profile.nearby):.1f} jobs (open jobs in her radius's box, "
          f"checked by the engine; max {max(profile.nearby)})")
    print(f"feed_profile_sql_median: {ms(statistics.median(sql_times))} (round trips, fetching included)")
    print(f"feed_profile_selector_median: {ms(statistics.median(profile.selector))}")
    print(f"feed_profile_engine_median: {ms(statistics.median(profile.engine))}")
    print(f"feed_profile_snapshot_median: {ms(statistics.median(profile.snapshot))}")
    rest = [total - selector for total, selector in zip(totals, profile.selector, strict=True)]
    print(f"feed_profile_outside_selector_median: {ms(statistics.median(rest))} (auth, pagination, serializer, JSON)")


# --- (b) over HTTP under gunicorn ---------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(conn: http.client.HTTPConnection, token: str) -> int:
    conn.request("GET", FEED_PATH, headers={"X-Session-Token": token, "Accept": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.will_close:
        conn.close()  # sync workers close after each response; http.client reconnects
    return response.status


def wait_until_serving(port: int, token: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped:\n" + log.read_text(errors="replace")[-3000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status = http_get(conn, token)
            conn.close()
            if status == 200:
                return
            raise SystemExit(f"gunicorn answered {status}:\n" + log.read_text(errors="replace")[-3000:])
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {STARTUP_SECONDS} s")


def load(port: int, tokens: list[str], seconds: float) -> list[tuple[float, float, int]]:
    """CONNECTIONS closed-loop clients for `seconds`: (start, duration, status) per request."""
    stop_at = time.monotonic() + seconds
    results: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, n = [], index
        while time.monotonic() < stop_at:
            token = tokens[n % len(tokens)]
            n += CONNECTIONS
            started = time.monotonic()
            try:
                status = http_get(conn, token)
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            mine.append((started, time.monotonic() - started, status))
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def over_http(tokens: list[str], *, cache_seconds: int, suffix: str) -> None:
    from django.core.cache import cache

    cache.clear()
    os.environ["FEED_CACHE_SECONDS"] = str(cache_seconds)
    # The machine is shared (2 cores): what else ran shows in the load average.
    print(f"feed_http{suffix}_loadavg_before: {os.getloadavg()[0]:.2f} (1 min)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="feed-bench-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "30",
                 "--log-level", "warning"],
                cwd=ROOT, env=os.environ.copy(), stdout=handle, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(port, tokens[0], process, log)
            load(port, tokens, LOAD_WARMUP_SECONDS)
            started = time.monotonic()
            results = load(port, tokens, LOAD_SECONDS)
            elapsed = time.monotonic() - started
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        ok = [duration for _start, duration, status in results if status == 200]
        failed = len(results) - len(ok)
        print(f"feed_rps{suffix}: {len(ok) / elapsed:.1f} req/s")
        print(f"feed_p95{suffix}: {ms(p95(ok))}")
        print(f"feed_http{suffix}_median: {ms(statistics.median(ok))}")
        print(f"feed_http{suffix}_requests: {len(results)} requests ({failed} not 200; {CONNECTIONS} connections, "
              f"{WORKERS} gunicorn sync workers, {LOAD_SECONDS:.0f} s)")
        if failed:
            print("gunicorn log (tail):\n" + log.read_text(errors="replace")[-2000:])


def main() -> int:
    url = configure_environment()
    if not postgres_ready(url, "feed"):
        print("feed_skipped: no PostgreSQL")
        return 0

    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    from bench.seed_bench_data import ensure_seeded
    from marketplace.models import TeenProfile, TeenStatus

    call_command("migrate", verbosity=0, interactive=False)
    seeded = ensure_seeded()
    print(f"feed_database: {url.rsplit('/', 1)[-1]} ({seeded.postcodes} postcodes, {seeded.teens} active teens, "
          f"{seeded.open_jobs} open jobs; {'seeded' if seeded.fresh else 'found'} in {seeded.seconds:.1f} s"
          + (f", moved {seeded.shifted_days} days ahead" if seeded.shifted_days else "") + ")")

    rng = random.Random(SEED)
    teen_ids = list(TeenProfile.objects.filter(exchange=seeded.exchange, status=TeenStatus.ACTIVE)
                    .order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(teen_ids, SIGNED_IN_TEENS)
    users = {t.pk: t.user for t in TeenProfile.objects.filter(pk__in=chosen).select_related("user")}
    tokens = sign_in([users[pk] for pk in chosen])
    try:
        in_process(tokens)
        # As in production (feeds cached until something changes), then every read computed.
        over_http(tokens, cache_seconds=60, suffix="")
        over_http(tokens, cache_seconds=0, suffix="_uncached")
    finally:
        Session.objects.filter(session_key__in=tokens).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
