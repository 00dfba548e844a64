"""A person downloads everything stored about her and deletes her account; where others'
records refer to her, she is anonymised and those records stay intact."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry, User
from marketplace.models import AvailabilitySlot, TeenProfile, TeenStatus
from marketplace.services.teens import teen_verify
from tests.factories import make_coordinator, make_teen

pytestmark = pytest.mark.django_db


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_export_holds_the_profile_availability_and_consents(exchange):
    teen = make_teen(exchange, age=15, first_name="Mia", phone="0151 999")
    response = as_user(teen.user).get("/api/v1/me/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["account"]["email"] == teen.user.email
    profile = data["marketplace"]["teen_profile"]
    assert profile["first_name"] == "Mia"
    assert profile["phone"] == "0151 999"
    assert profile["availability"] == [{"weekday": 5, "start": "10:00", "end": "16:00"}]


def test_the_export_holds_nothing_of_another_person(exchange):
    mia = make_teen(exchange, first_name="Mia")
    make_teen(exchange, first_name="Jonas", phone="0170 111")
    text = as_user(mia.user).get("/api/v1/me/export/").content.decode()
    assert "Jonas" not in text and "0170 111" not in text


def test_a_teen_without_history_is_deleted_completely(exchange):
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING)
    user_id = teen.user_id
    # A coordinator looked at her profile; that alone is no history of anybody else's.
    as_user(make_coordinator(exchange)).get(f"/api/v1/teens/{teen.pk}/")
    response = as_user(teen.user).delete("/api/v1/me/")
    assert response.json() == {"result": "deleted"}
    assert not User.objects.filter(pk=user_id).exists()
    assert not TeenProfile.objects.filter(user_id=user_id).exists()
    assert not AvailabilitySlot.objects.filter(teen_id=teen.pk).exists()


def test_a_verified_teen_is_anonymised_and_the_coordinators_record_stays(exchange):
    coordinator = make_coordinator(exchange)
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Mia", phone="0151 999")
    teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=teen.created_at.date(), paper_consent=True)
    email = teen.user.email
    response = as_user(teen.user).delete("/api/v1/me/")
    assert response.json() == {"result": "anonymised"}
    teen.refresh_from_db()
    user = teen.user
    assert user.email != email and not user.is_active and not user.has_usable_password()
    assert teen.first_name != "Mia" and teen.phone == "" and teen.birth_date is None
    assert teen.status == TeenStatus.DELETED
    assert not teen.availability.exists()
    # The coordinator's history of her decision is intact.
    assert AuditEntry.objects.filter(action="marketplace.teen.activated", actor=coordinator,
                                     subject_user_id=user.pk).exists()
    assert not User.objects.filter(email=email).exists()


def test_the_export_holds_her_messages_and_an_anonymised_teen_leaves_no_address_in_them(exchange):
    from notifications.models import Notification
    from notifications.services import Event, Recipient, notify

    coordinator = make_coordinator(exchange)
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING)
    user = teen.user
    notify(Event(kind="verification.activated", key="test:1"),
           [Recipient(user_id=user.pk, name="Mia", email=user.email)])
    data = as_user(user).get("/api/v1/me/export/").json()
    assert {n["kind"] for n in data["notifications"]["notifications"]} == {"verification.activated"}
    teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=teen.created_at.date(), paper_consent=True)
    email = user.email
    assert as_user(user).delete("/api/v1/me/").json() == {"result": "anonymised"}
    assert not Notification.objects.filter(recipient_email=email).exists()
    assert not Notification.objects.filter(recipient_name="Mia").exists()
