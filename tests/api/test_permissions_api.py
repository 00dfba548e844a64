"""Four personas (the teen herself, another teen, a provider, a coordinator of another
exchange) plus the teen's own coordinator: nobody reads or changes another person's profile."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from marketplace.models import TeenStatus
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(exchange, other_exchange):
    lena = make_teen(exchange, age=15, status=TeenStatus.INTAKE_PENDING, first_name="Lena")
    return {
        "lena": lena,
        "other_teen": make_teen(exchange, age=16, first_name="Jonas"),
        "provider": make_provider(exchange),
        "own_coordinator": make_coordinator(exchange),
        "foreign_coordinator": make_coordinator(other_exchange),
    }


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_teen_reads_and_changes_only_her_own_profile(people):
    lena, other = people["lena"], people["other_teen"]
    client = client_for(lena.user)
    assert client.get("/api/v1/me/").json()["first_name"] == "Lena"
    # An id in the body does not redirect the change to somebody else.
    response = client.patch("/api/v1/me/", {"id": other.user_id, "first_name": "Lea"}, format="json")
    assert response.status_code == 200
    other.refresh_from_db()
    lena.refresh_from_db()
    assert other.first_name == "Jonas"
    assert lena.first_name == "Lea"


@pytest.mark.parametrize("persona", ["other_teen", "provider"])
def test_teens_and_providers_cannot_reach_the_teen_endpoints(people, persona):
    client = client_for(getattr(people[persona], "user", None) or people[persona])
    lena = people["lena"]
    assert client.get("/api/v1/teens/").status_code == 403
    assert client.get(f"/api/v1/teens/{lena.pk}/").status_code == 403
    response = client.post(f"/api/v1/teens/{lena.pk}/verify/", {"decision": "suspend", "reason": "x"},
                           format="json")
    assert response.status_code == 403
    lena.refresh_from_db()
    assert lena.status == TeenStatus.INTAKE_PENDING


def test_a_coordinator_of_another_exchange_does_not_know_the_teen_exists(people):
    client = client_for(people["foreign_coordinator"])
    lena = people["lena"]
    assert client.get("/api/v1/teens/").json()["results"] == []
    assert client.get("/api/v1/teens/?status=active").json()["results"] == []
    assert client.get(f"/api/v1/teens/{lena.pk}/").status_code == 404
    response = client.post(f"/api/v1/teens/{lena.pk}/verify/", {"decision": "activate", "intake_on": "2026-11-01"},
                           format="json")
    assert response.status_code == 404
    assert client.get(f"/api/v1/providers/{people['provider'].pk}/").status_code == 404
    assert client.get("/api/v1/providers/").json()["results"] == []
    lena.refresh_from_db()
    assert lena.status == TeenStatus.INTAKE_PENDING


def test_the_own_coordinator_reads_the_teen_and_the_read_is_audited(people):
    client = client_for(people["own_coordinator"])
    lena = people["lena"]
    response = client.get(f"/api/v1/teens/{lena.pk}/")
    assert response.status_code == 200
    assert response.json()["parent_email"] == "eltern@example.org"
    assert AuditEntry.objects.filter(action="marketplace.teen.viewed", target_id=lena.pk,
                                     actor=people["own_coordinator"]).exists()


def test_anonymous_callers_get_nothing(people):
    client = APIClient()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.get(f"/api/v1/teens/{people['lena'].pk}/").status_code in (401, 403)


def test_the_teen_list_refuses_an_unknown_status_with_a_400_naming_it(people):
    response = client_for(people["own_coordinator"]).get("/api/v1/teens/?status=nonsense")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_an_absurd_offset_is_a_400_naming_it_and_a_huge_limit_is_capped(people):
    client = client_for(people["own_coordinator"])
    response = client.get("/api/v1/providers/?offset=99999999999999999999")
    assert response.status_code == 400
    assert "offset" in response.json()["errors"]
    assert client.get("/api/v1/providers/?limit=99999999999999999999").status_code == 200
