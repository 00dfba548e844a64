"""Schema-driven fuzzing of our own API (/api/schema/): no endpoint answers 500, whatever the
input, for each role."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, make_coordinator, make_provider, make_teen

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def session_token(email):
    response = APIClient().post("/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, format="json")
    return response.json()["meta"]["session_token"]


@pytest.fixture
def tokens(exchange, other_exchange):
    teen = make_teen(exchange, age=15, email="fuzz-teen@example.org")
    make_teen(exchange, age=17, email="fuzz-teen2@example.org")
    provider = make_provider(exchange, email="fuzz-provider@example.org")
    coordinator = make_coordinator(exchange, email="fuzz-coordinator@example.org")
    make_coordinator(other_exchange, email="fuzz-foreign@example.org")
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
