"""Benchmark of the notification pipeline end to end: `notify` writes outbox rows and enqueues
them on commit, a Redis broker carries the tasks, TWO Celery worker processes claim, render and
send them, and an SMTP server on loopback (aiosmtpd, in a process of its own) receives them.

Run with `make bench`. It needs PostgreSQL (NOTIFICATIONS_BENCH_DATABASE_URL, else the database
taschengeld_notif_bench on 127.0.0.1:5432, created and migrated when missing) and the
`redis-server` program: the broker is a redis-server of its own on a free loopback port, started
and stopped here, so the run starts with an empty queue and never touches another Redis.
Without either it prints `notifications_skipped: …` and exits 0.

10,000 e-mails (NOTIFICATIONS_BENCH_TOTAL) are written as 1,000 events of 10 recipients each,
every event in a transaction of its own as the marketplace writes them; the clock runs from the
first `notify` to the moment the last message has arrived at the SMTP server and its row is
marked sent, at most NOTIFICATIONS_BENCH_SECONDS (180). Prints, each on a line of its own:

    notifications_per_s          rows from notify to the SMTP server per second (target ≥ 400)
    notifications_lost           rows never delivered or never marked sent (must be 0)
    notifications_duplicated     deliveries beyond the first per X-Notification-Key (must be 0)
and where the time goes: the writing side alone, the SQL queries of one send, the CPU time per
message of each process (workers, SMTP server, writer, Redis, PostgreSQL) and the load of the
machine before the run (it has 2 cores, and other programs may share them). Then, for
comparison, 2,000 e-mails of events with one recipient each (NOTIFICATIONS_BENCH_SINGLE; most
events of the marketplace have one or two): `notifications_single_per_s`, a task and a claim
per e-mail instead of one per event.

The workers run with the production settings (DEBUG off) plus the texts of the test-only kind
`pipeline.check` (tests/notifications/pipeline_settings.py), `--pool=solo` each, so two worker
processes are exactly two processes that send, and log warnings only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import ROOT, postgres_ready, production_environment

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/taschengeld_notif_bench"
KIND = "pipeline.check"
TOTAL = int(os.environ.get("NOTIFICATIONS_BENCH_TOTAL", "10000"))
PER_EVENT = 10
# Then, for comparison, e-mails of events with one recipient each (most events of the marketplace).
SINGLE_TOTAL = int(os.environ.get("NOTIFICATIONS_BENCH_SINGLE", "2000"))
WORKERS = 2
# Each worker's pool: "solo" runs one task at a time in the worker process itself.
POOL = os.environ.get("NOTIFICATIONS_BENCH_POOL", "solo")
CONCURRENCY = os.environ.get("NOTIFICATIONS_BENCH_CONCURRENCY", "1")
LIMIT_SECONDS = float(os.environ.get("NOTIFICATIONS_BENCH_SECONDS", "180"))
STARTUP_SECONDS = 60


def configure_environment(redis_port: int, smtp_url: str) -> dict:
    """The environment of this process and of the workers; returns it for the workers."""
    url = os.environ.get("NOTIFICATIONS_BENCH_DATABASE_URL") or BENCH_DATABASE_URL
    production_environment(
        url, DJANGO_SETTINGS_MODULE="tests.notifications.pipeline_settings",
        SECRET_KEY=os.environ.get("NOTIFICATIONS_BENCH_SECRET_KEY") or secrets.token_urlsafe(45),
        ALLOWED_HOSTS="127.0.0.1,localhost", REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", EMAIL_URL=smtp_url)
    os.environ["NOTIFICATIONS_BENCH_SECRET_KEY"] = os.environ["SECRET_KEY"]
    return os.environ.copy()


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - a fixed program on loopback
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",  # noqa: S607
         "--daemonize", "no", "--dir", str(directory), "--logfile", str(directory / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)


def start_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={POOL}",
             f"--concurrency={CONCURRENCY}", "--loglevel=warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for_workers(names: list[str], workers: list[subprocess.Popen], logs: list[Path]) -> None:
    from config.celery import app

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for process, log in zip(workers, logs, strict=True):
            if process.poll() is not None:
                raise SystemExit("a worker stopped:\n" + log.read_text(errors="replace")[-3000:])
        answered = {name.split("@")[0] for reply in app.control.ping(timeout=0.5) for name in reply}
        if set(names) <= answered:
            return
    raise SystemExit(f"the workers did not answer within {STARTUP_SECONDS} s")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User and system CPU time of a process so far (Linux /proc), 0 if unreadable; with
    `children`, that of its exited and reaped children instead."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> tuple[float, float]:
    """CPU time of the PostgreSQL connections to `database` alive now, and that of every
    connection the server has closed (all databases: other sessions' too)."""
    ours = closed = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f" {database} " in title:
            ours += cpu_seconds(int(entry.name))
        elif title.startswith("/usr/lib/postgresql") or "-D " in title:  # the postmaster reaps the rest
            closed += cpu_seconds(int(entry.name), children=True)
    return ours, closed


def recipients(event: int, per_event: int):
    from notifications.services import Recipient

    return [Recipient(name=f"Person {event}-{n}", email=f"person{event}-{n}@example.org", channels=("email",),
                      key=f"bench{event}-{n}") for n in range(per_event)]


def write(events: range, run: str, per_event: int = PER_EVENT) -> None:
    """One transaction per event, as the marketplace writes them; the sends are enqueued at commit."""
    from django.db import transaction

    from notifications.services import Event, notify

    for event in events:
        with transaction.atomic():
            notify(Event(kind=KIND, key=f"{run}:{event}",
                         context={"helper": "Lena", "when": "Samstag, 10 Uhr", "title": "Rasen mähen"}),
                   recipients(event, per_event))


def wait_until_done(sink, run: str, target: int, total: int, deadline: float) -> tuple[float | None, int]:
    """Polls until the SMTP server has `target` messages and the `total` rows of this run are sent."""
    from notifications.models import Notification, Status

    sent = 0
    while time.monotonic() < deadline:
        if sink.total() >= target:
            sent = Notification.objects.filter(key__startswith=f"{run}:", status=Status.SENT).count()
            if sent >= total:
                return time.monotonic(), sent
        time.sleep(0.05)
    return None, sent


def queries_per_send() -> int:
    """The SQL queries of one send in this process (claim, mark sent), on a row of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification
    from notifications.tasks import send_notification

    row = Notification.objects.create(kind=KIND, channel="email", key=f"queries:{secrets.token_hex(6)}",
                                      recipient_email="queries@example.org",
                                      context={"helper": "Lena", "when": "Samstag", "title": "Einkaufen"})
    with CaptureQueriesContext(connection) as queries:
        result = send_notification.apply(args=[row.pk]).get()
    if result != "sent":
        raise SystemExit(f"the in-process send answered {result!r}")
    return len(queries.captured_queries)


def main() -> int:
    if not shutil.which("redis-server"):
        print("notifications_skipped: no redis-server")
        return 0
    from tests.notifications.smtp_sink import SmtpSinkProcess, free_port

    redis_port = free_port()
    with SmtpSinkProcess() as sink, tempfile.TemporaryDirectory(prefix="notif-bench-") as tmp:
        env = configure_environment(redis_port, sink.url)
        if not postgres_ready(os.environ["DATABASE_URL"], "notifications"):
            print("notifications_skipped: no PostgreSQL")
            return 0
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from notifications.models import Notification

        call_command("migrate", verbosity=0, interactive=False)
        Notification.objects.filter(kind=KIND, created_at__lt=timezone.now() - timedelta(hours=1)).delete()
        tmp_path = Path(tmp)
        redis_process = start_redis(redis_port, tmp_path)
        workers, names, logs = [], [f"bench{n}-{secrets.token_hex(3)}" for n in range(WORKERS)], []
        try:
            per_send = queries_per_send()
            for name in names:
                logs.append(tmp_path / f"{name}.log")
                workers.append(start_worker(name, env, logs[-1]))
            wait_for_workers(names, workers, logs)
            # Warm-up: both workers connect to PostgreSQL and the SMTP server, load the templates.
            warmup = f"warmup{secrets.token_hex(3)}"
            write(range(20), warmup)
            done, _ = wait_until_done(sink, warmup, 20 * PER_EVENT + 1, 20 * PER_EVENT, time.monotonic() + 60)
            if done is None:
                raise SystemExit("the warm-up did not finish:\n" + logs[0].read_text(errors="replace")[-3000:])

            load_before = os.getloadavg()[0]
            processes = {"workers": [w.pid for w in workers], "smtp": [sink.pid], "writer": [os.getpid()],
                         "redis": [redis_process.pid]}
            main_run = run_phase(sink, processes, TOTAL, PER_EVENT)
            single_run = run_phase(sink, processes, SINGLE_TOTAL, 1) if SINGLE_TOTAL else None
            for process, log in zip(workers, logs, strict=True):
                if process.poll() is not None:
                    print("a worker stopped:\n" + log.read_text(errors="replace")[-3000:])
        finally:
            for process in workers:
                stop(process)
            stop(redis_process)

        delivered = sink.delivered()
        rate, lost, duplicated = main_run.outcome(delivered)
        print(f"notifications_per_s: {rate:.1f} /s")
        print(f"notifications_lost: {lost}")
        print(f"notifications_duplicated: {duplicated}")
        print(f"notifications_elapsed: {main_run.elapsed:.2f} s ({TOTAL} e-mails, {WORKERS} worker processes"
              + ("" if main_run.finished else f", STOPPED at the {LIMIT_SECONDS:.0f} s limit") + ")")
        print(f"notifications_write_s: {main_run.written:.2f} s (notify and enqueue of {TOTAL // PER_EVENT} events "
              f"of {PER_EVENT}, while the workers already send)")
        print(f"notifications_queries_per_send: {per_send} queries")
        print("notifications_cpu_per_message: " + ", ".join(
            f"{name} {seconds / TOTAL * 1000:.2f} ms" for name, seconds in main_run.cpu.items())
            + f" (CPU time over the run / {TOTAL}; postgres: this database's open connections; closed "
            f"connections: of all databases; the machine has {os.cpu_count()} cores)")
        print(f"notifications_loadavg_before: {load_before:.2f} (1 min)")
        if single_run:
            rate, lost, duplicated = single_run.outcome(delivered)
            print(f"notifications_single_per_s: {rate:.1f} /s ({SINGLE_TOTAL} events of one recipient each: a task "
                  f"and a claim per e-mail; lost {lost}, duplicated {duplicated})")
            print("notifications_single_cpu_per_message: " + ", ".join(
                f"{name} {seconds / SINGLE_TOTAL * 1000:.2f} ms" for name, seconds in single_run.cpu.items()))
    return 0


class Phase:
    """One timed run: `total` e-mails as events of `per_event` recipients."""

    def __init__(self, run: str, total: int):
        self.run, self.total = run, total
        self.finished = self.elapsed = self.written = None
        self.cpu: dict[str, float] = {}

    def outcome(self, delivered) -> tuple[float, int, int]:
        """(rate, lost, duplicated) once the SMTP server's counts are in."""
        from notifications.models import Notification, Status

        rows = Notification.objects.filter(key__startswith=f"{self.run}:")
        keys = set(rows.values_list("key", flat=True))
        not_sent = set(rows.exclude(status=Status.SENT).values_list("key", flat=True))
        never_arrived = {key for key in keys if not delivered[key]}
        duplicated = sum(delivered[key] - 1 for key in keys if delivered[key] > 1)
        arrived = sum(1 for key in keys if delivered[key])
        return arrived / self.elapsed, len(never_arrived | not_sent) + self.total - len(keys), duplicated


def run_phase(sink, processes: dict, total: int, per_event: int) -> Phase:
    from django.conf import settings

    phase = Phase(f"run{secrets.token_hex(3)}", total)
    target = sink.total() + total
    cpu_before = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in processes.items()}
    database = settings.DATABASES["default"]["NAME"]
    pg_before = postgres_cpu(database)
    started = time.monotonic()
    write(range(total // per_event), phase.run, per_event)
    phase.written = time.monotonic() - started
    phase.finished, _sent = wait_until_done(sink, phase.run, target, total, started + LIMIT_SECONDS)
    phase.elapsed = (phase.finished or time.monotonic()) - started
    phase.cpu = {name: sum(cpu_seconds(pid) for pid in pids) - cpu_before[name] for name, pids in processes.items()}
    pg_after = postgres_cpu(database)
    phase.cpu["postgres"] = pg_after[0] - pg_before[0]
    phase.cpu["postgres_closed_connections"] = pg_after[1] - pg_before[1]
    return phase


if __name__ == "__main__":
    sys.exit(main())
