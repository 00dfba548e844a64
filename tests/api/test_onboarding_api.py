"""The foundation's path over the API alone: sign-up through allauth's headless API, e-mail
verification, the profile through PATCH /api/v1/me/, activation by a coordinator."""

import re
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.management import call_command
from rest_framework.test import APIClient

from marketplace.models import AvailabilitySlot, ParentalConsent, TeenProfile, TeenStatus
from tests.factories import PASSWORD, years_ago

pytestmark = pytest.mark.django_db


def headless_signup(client, email, role="teen"):
    return client.post("/_allauth/app/v1/auth/signup",
                       {"email": email, "password": PASSWORD, "role": role}, format="json")


def verify_by_mail(client, token):
    body = mail.outbox[-1].body
    key = unquote(re.search(r"/accounts/confirm-email/([^/\s]+)/", body).group(1))
    response = client.post("/_allauth/app/v1/auth/email/verify", {"key": key}, format="json",
                           HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def signed_up_teen(email="lena@example.org"):
    client = APIClient()
    response = headless_signup(client, email)
    assert response.status_code == 401  # pending: e-mail verification
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"]
    token = verify_by_mail(client, response.json()["meta"]["session_token"])
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    return client


def complete_profile(age=15, **overrides):
    data = {
        "first_name": "Lena", "last_name": "Schmitz", "birth_date": years_ago(age).isoformat(),
        "in_compulsory_school": True, "postcode": "52349", "radius_km": 6,
        "interests": ["garden", "pets"],
        "availability": [{"weekday": 2, "start": "14:00", "end": "18:00"},
                         {"weekday": 5, "start": "09:00", "end": "12:30"}],
        "absences": [{"start": "2027-07-01", "end": "2027-07-14"}],
        "phone": "0151 1234567", "parent_name": "Eva Schmitz", "parent_email": "eva@example.org",
    }
    data.update(overrides)
    return data


def test_a_teen_signs_up_verifies_completes_her_profile_and_is_activated_over_the_api(
    exchange, django_capture_on_commit_callbacks
):
    client = signed_up_teen()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch("/api/v1/me/", complete_profile(), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["role"] == "teen"
    assert body["status"] == "consent_pending"
    assert body["exchange"] == "kreis-dueren"
    assert body["interests"] == ["garden", "pets"]
    assert body["availability"][0] == {"weekday": 2, "start": "14:00", "end": "18:00"}
    # The parent's consent request went out by a (here eager) Celery task.
    assert any(m.to == ["eva@example.org"] for m in mail.outbox)

    call_command("create_coordinator", "--email", "k@example.org", "--exchange", "kreis-dueren", "--password", PASSWORD)
    coordinator = APIClient()
    login = coordinator.post("/_allauth/app/v1/auth/login", {"email": "k@example.org", "password": PASSWORD},
                             format="json")
    assert login.status_code == 200, login.content
    coordinator.credentials(HTTP_X_SESSION_TOKEN=login.json()["meta"]["session_token"])

    queue = coordinator.get("/api/v1/teens/").json()["results"]
    teen_id = queue[0]["id"]
    assert [t["first_name"] for t in queue] == ["Lena"]

    response = coordinator.post(f"/api/v1/teens/{teen_id}/verify/",
                                {"decision": "activate", "intake_on": "2026-11-01", "paper_consent": True},
                                format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    assert client.get("/api/v1/me/").json()["status"] == "active"


def test_activation_without_the_intake_talk_names_the_missing_field(exchange):
    client = signed_up_teen()
    client.patch("/api/v1/me/", complete_profile(age=18, parent_name="", parent_email=""), format="json")
    call_command("create_coordinator", "--email", "k@example.org", "--exchange", "kreis-dueren", "--password", PASSWORD)
    coordinator = APIClient()
    coordinator.login(email="k@example.org", password=PASSWORD)
    teen = TeenProfile.objects.get()
    assert teen.status == TeenStatus.INTAKE_PENDING
    response = coordinator.post(f"/api/v1/teens/{teen.pk}/verify/", {"decision": "activate"}, format="json")
    assert response.status_code == 400
    assert "intake_on" in response.json()["errors"]
    teen.refresh_from_db()
    assert teen.status == TeenStatus.INTAKE_PENDING


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": years_ago(11).isoformat()}, "birth_date"),
        ({"postcode": "10115"}, "postcode"),
        ({"postcode": "99999"}, "postcode"),
        ({"availability": [{"weekday": 9, "start": "14:00", "end": "16:00"}]}, "availability"),
        ({"availability": [{"weekday": 1, "start": "25:00", "end": "16:00"}]}, "availability"),
        ({"availability": [{"weekday": 1, "start": "16:00", "end": "14:00"}]}, "availability"),
        ({"availability": [{"weekday": 1, "start": "14:00", "end": "16:00"},
                           {"weekday": 1, "start": "15:30", "end": "17:00"}]}, "availability"),
        ({"availability": [{"weekday": 1, "start": "14:10", "end": "16:00"}]}, "availability"),
        ({"availability": "montags"}, "availability"),
        ({"absences": [{"start": "2027-02-10", "end": "2027-02-01"}]}, "absences"),
        ({"radius_km": 40}, "radius_km"),
        ({"interests": ["skydiving"]}, "interests"),
    ],
    ids=["11-year-old", "postcode-without-exchange", "unknown-postcode", "weekday-9", "hour-25",
         "inverted", "overlap", "not-quarter-hour", "not-a-list", "inverted-absence", "radius", "interest"],
)
def test_invalid_profile_input_is_a_400_naming_the_field_and_stores_nothing(exchange, overrides, field):
    client = signed_up_teen()
    response = client.patch("/api/v1/me/", complete_profile(**overrides), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"]
    teen = TeenProfile.objects.get()
    assert teen.first_name == "" and teen.birth_date is None and teen.postcode_id is None
    assert AvailabilitySlot.objects.count() == 0
    assert ParentalConsent.objects.count() == 0


def test_the_headless_signup_refuses_a_coordinator_role(exchange):
    response = headless_signup(APIClient(), "sneaky@example.org", role="coordinator")
    assert response.status_code == 400
    assert any(e.get("param") == "role" for e in response.json()["errors"])


def test_a_provider_signs_up_and_waits_for_vetting(exchange):
    client = APIClient()
    response = headless_signup(client, "hilde@example.org", role="provider")
    token = verify_by_mail(client, response.json()["meta"]["session_token"])
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    response = client.patch("/api/v1/me/", {
        "first_name": "Hildegard", "last_name": "Muster", "street": "Kölnstraße 1", "postcode": "52349",
        "city": "Düren", "phone": "02421 1234", "contact_preference": "phone", "private_person_confirmed": True,
    }, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["role"] == "provider"
