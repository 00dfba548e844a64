"""Schema-driven fuzzing of our own API (/api/schema/): no endpoint answers 500, whatever the
input, for each role.

Every `{id}` in a path is fixed to `REAL_ID`, and the fixture gives a job, an application, an
assignment, a teen and a provider that very id, each visible to all three roles: so the fuzzer
drives the services behind every object endpoint with malformed bodies and query strings,
instead of stopping at a 404 for a random id (404 for unknown and huge ids: test_jobs_api.py).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from marketplace.models import Assignment, Job, ProviderProfile
from marketplace.services.jobs import application_create, assignment_create_direct, job_create
from tests.factories import PASSWORD, make_coordinator, make_provider, make_teen

# Far above any id a sequence hands out in the test database, on SQLite and PostgreSQL alike.
REAL_ID = 1_000_000_007

CONFIG = SchemathesisConfig.from_dict({
    "parameters": {"path.id": REAL_ID},
    # The marketplace endpoints are many and their bodies wide: their negative coverage cases
    # (wrong types, field by field) are a thousand 400s from the serializers. Their positive
    # boundary cases reach the services; the fuzzing phase still sends malformed bodies.
    # PATCH /jobs/{id}/ and "same helper again" take the very fields of POST /jobs/ into the
    # very same validation: fuzzing alone there. Keeps the whole run under a minute on SQLite.
    # (One include key per rule: several would be OR-ed.)
    "operations": [
        {"include-path-regex": r"^/api/v1/(jobs|applications|assignments|proposals)/",
         "phases": {"coverage": {"generation": {"mode": "positive"}}}},
        {"include-name-regex": r"^(PATCH /api/v1/jobs/\{id\}/|POST /api/v1/assignments/\{id\}/request-again/)$",
         "phases": {"coverage": {"enabled": False}}},
    ],
})
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


def session_token(email):
    response = APIClient().post("/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, format="json")
    return response.json()["meta"]["session_token"]


def _with_id(model, obj, pk):
    model.objects.filter(pk=obj.pk).update(id=pk)
    return model.objects.get(pk=pk)


def real_objects(exchange, teen, provider, coordinator):
    """A job with the teen's pending application, and a confirmed match of the teen on another
    job that has taken place: job, application and match get the id REAL_ID (each before
    anything refers to it)."""
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    start = datetime.combine(saturday, time(11), tzinfo=ZoneInfo("Europe/Berlin"))
    data = {"category": "garden", "title": "Laub rechen", "starts_at": start, "ends_at": start + timedelta(hours=1),
            "hourly_rate": Decimal("8.00"), "helpers_needed": 2}
    job = _with_id(Job, job_create(provider=provider, by=coordinator, data=data), REAL_ID)
    application = application_create(job=job, teen=teen, message="Hallo")
    type(application).objects.filter(pk=application.pk).update(id=REAL_ID)
    other = job_create(provider=provider, by=coordinator, data={**data, "starts_at": start + timedelta(hours=2),
                                                                "ends_at": start + timedelta(hours=3)})
    assignment = assignment_create_direct(job=other, teen=teen, by=coordinator)
    # The job took place, so that completing, rating and reporting reach their rules.
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(id=REAL_ID, starts_at=now - timedelta(hours=2),
                                                        ends_at=now - timedelta(hours=1))


@pytest.fixture
def tokens(exchange, other_exchange):
    teen = make_teen(exchange, age=15, email="fuzz-teen@example.org", id=REAL_ID)
    make_teen(exchange, age=17, email="fuzz-teen2@example.org")
    provider = _with_id(ProviderProfile, make_provider(exchange, email="fuzz-provider@example.org"), REAL_ID)
    coordinator = make_coordinator(exchange, email="fuzz-coordinator@example.org")
    make_coordinator(other_exchange, email="fuzz-foreign@example.org")
    real_objects(exchange, teen, provider, coordinator)
    return {
        "teen": session_token(teen.user.email),
        "provider": session_token(provider.user.email),
        "coordinator": session_token(coordinator.email),
    }


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly would close the test's database connection at the end of
    each request (Django's test client disconnects this handler for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_endpoint_answers_500(case, tokens, keep_test_connection):
    for role, token in tokens.items():
        response = case.call(headers={"X-Session-Token": token})
        assert response.status_code < 500, (role, case.method, case.path, response.text[:500])
