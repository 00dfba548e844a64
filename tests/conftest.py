"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL
is set (CI). Celery runs eagerly in unit tests; tests marked `redis` use a real broker and a
real worker process (see tests/integration)."""

import os
import uuid

import pytest
from django.conf import settings

from config.celery import app as celery_app

from .factories import ExchangeFactory, PostcodeFactory


def pytest_collection_modifyitems(config, items):
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not postgres:
            item.add_marker(pytest.mark.skip(reason="NOTICE: needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not redis:
            item.add_marker(pytest.mark.skip(reason="NOTICE: needs Redis and a Celery worker (set REDIS_URL)"))


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Unit tests run tasks in-process, whatever the environment says."""
    if "redis" in request.keywords:
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def isolated_cache(request, settings):
    """Each test starts with an empty cache of its own. With REDIS_URL the cache is Redis, which
    would carry allauth's rate-limit counters from one test (and one run) to the next; clearing
    it would flush a database the Celery broker may share, so tests get a local-memory cache."""
    if "redis" in request.keywords:
        return
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def demo_postcodes(db):
    """A few real postcodes of Kreis Düren and one outside every exchange (Berlin)."""
    return {
        "52349": PostcodeFactory(code="52349", place="Düren", latitude=50.8009, longitude=6.4788),
        "52372": PostcodeFactory(code="52372", place="Kreuzau", latitude=50.7470, longitude=6.4907),
        "52428": PostcodeFactory(code="52428", place="Jülich", latitude=50.9215, longitude=6.3627),
        "10115": PostcodeFactory(code="10115", place="Berlin", latitude=52.5323, longitude=13.3846,
                                 community="Berlin"),
        "52062": PostcodeFactory(code="52062", place="Aachen", latitude=50.7766, longitude=6.0834,
                                 community="Städteregion Aachen"),
    }


@pytest.fixture
def exchange(demo_postcodes):
    """Kreis Düren, serving 52349, 52372 and 52428."""
    return ExchangeFactory(name="Taschengeldbörse Kreis Düren", slug="kreis-dueren",
                           postcodes=["52349", "52372", "52428"])


@pytest.fixture
def other_exchange(demo_postcodes):
    """Aachen, serving 52062: the "other exchange" persona lives here."""
    return ExchangeFactory(name="Taschengeldbörse Aachen", slug="aachen", postcodes=["52062"])
