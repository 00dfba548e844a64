"""What the PostgreSQL benchmarks share: the production environment, the benchmark database
(created when missing), the plain static storage, Django set up and migrated, timing and the
`name: number unit` figures.

The benchmarks run as scripts (`python bench/<name>.py`), so this module is imported as
`_common` from the script's own folder; importing it puts the project root on sys.path.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def production_environment(database_url: str, **extra: str) -> None:
    """Production settings (DJANGO_ENV=production, DEBUG off) with a throw-away SECRET_KEY, plain
    HTTP on loopback and the test client's host allowed; `extra` adds or overrides variables."""
    os.environ.update({
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        **extra,
    })


def redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def postgres_ready(url: str, benchmark: str) -> bool:
    """True when the database answers; creates it (on the same server) when it is missing.
    `benchmark` names the benchmark in the message when the URL is not PostgreSQL."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        print(f"the {benchmark} benchmark needs PostgreSQL, not {config['ENGINE']}")
        return False
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None,
              "password": config["PASSWORD"] or None, "connect_timeout": 3}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
                print(f"created database {config['NAME']}")
    except psycopg.Error as exc:
        print(f"PostgreSQL is not reachable at {config['HOST']}:{config['PORT']} ({str(exc).strip()}).")
        return False
    return True


def setup_django(*, cache_table: bool) -> None:
    """django.setup() and the schema migrated; with `cache_table`, the database cache's table too."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if cache_table:
        call_command("createcachetable", verbosity=0)


@contextmanager
def plain_static_files():
    """Production serves the hashed files of `collectstatic`'s manifest; the benchmarks build no
    manifest (a dict lookup per {% static %} either way) and use the plain storage."""
    from django.conf import settings
    from django.test import override_settings

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
        yield


def timed_calls(call: Callable[[], object], *, warmup: int, times: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (of this process) of each of `times` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(times):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu
