"""GET /api/v1/notifications/ and POST /api/v1/notifications/{id}/read/. Personas: the owner,
another teen of the same exchange, a coordinator of the exchange (her own inbox only), a
visitor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Channel, Notification, Status
from tests.factories import make_coordinator, make_teen

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def read_path(pk) -> str:
    return f"/api/v1/notifications/{pk}/read/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def message(user, *, kind="application.accepted", minutes_ago=0, channel=Channel.INAPP, read=False, **context):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user, kind=kind, channel=channel, status=Status.SENT, context=context, created_at=created,
        recipient_email=user.email, recipient_phone="0151 5550101",
        key=f"{kind}:{user.pk}:{channel}:{Notification.objects.count()}", read_at=created if read else None)


@pytest.fixture
def people(exchange):
    return {
        "lena": make_teen(exchange, first_name="Lena").user,
        "jonas": make_teen(exchange, first_name="Jonas").user,
        "coordinator": make_coordinator(exchange),
    }


def test_the_list_holds_her_own_in_app_messages_newest_first(people):
    lena, jonas = people["lena"], people["jonas"]
    older = message(lena, minutes_ago=30)
    newer = message(lena, kind="job.cancelled", minutes_ago=1, read=True)
    message(lena, channel=Channel.EMAIL)
    message(jonas)
    body = client_for(lena).get(LIST).json()
    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "title", "text", "created_at", "read_at", "unread"}
    assert first["kind"] == "job.cancelled" and first["title"] and isinstance(first["text"], str)
    assert first["read_at"] is not None and first["unread"] is False
    assert body["results"][1]["read_at"] is None and body["results"][1]["unread"] is True


def test_no_private_data_of_the_row_leaves_through_the_api(people):
    lena = people["lena"]
    message(lena, secret_street="Lindenweg 7", phone_of_other="02421 987654")
    raw = client_for(lena).get(LIST).content.decode()
    for private in ("Lindenweg 7", "02421 987654", "0151 5550101", lena.email, "context", "key"):
        assert private not in raw


def test_the_list_is_paginated_and_filters_unread(people):
    lena = people["lena"]
    for n in range(5):
        message(lena, minutes_ago=n, read=n % 2 == 0)
    page = client_for(lena).get(LIST, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"] and page["previous"]
    unread = client_for(lena).get(LIST, {"unread": "true"}).json()
    assert unread["count"] == 2 and all(n["unread"] for n in unread["results"])


def test_she_marks_her_message_read_and_again_changes_nothing(people):
    lena = people["lena"]
    unread = message(lena)
    response = client_for(lena).post(read_path(unread.pk))
    assert response.status_code == 200
    assert response.json()["id"] == unread.pk and response.json()["read_at"] is not None
    first = Notification.objects.get(pk=unread.pk).read_at
    assert client_for(lena).post(read_path(unread.pk)).status_code == 200
    assert Notification.objects.get(pk=unread.pk).read_at == first


@pytest.mark.parametrize("persona", ["jonas", "coordinator"])
def test_another_persons_message_is_a_404(people, persona):
    his = message(people["lena"])
    response = client_for(people[persona]).post(read_path(his.pk))
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden.", "errors": {}}
    assert Notification.objects.get(pk=his.pk).read_at is None
    assert client_for(people[persona]).get(LIST).json()["count"] == 0


def test_her_own_email_row_cannot_be_marked_read_through_the_inbox(people):
    mail = message(people["lena"], channel=Channel.EMAIL)
    assert client_for(people["lena"]).post(read_path(mail.pk)).status_code == 404


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "-1", "abc"])
def test_unknown_or_absurd_ids_are_a_404(people, pk):
    response = client_for(people["lena"]).post(read_path(pk))
    assert response.status_code == 404 and response.json()["errors"] == {}


def test_a_visitor_gets_nothing(people):
    message(people["lena"])
    assert APIClient().get(LIST).status_code in (401, 403)
    assert APIClient().post(read_path(1)).status_code in (401, 403)


def test_reading_the_list_is_not_allowed_to_change_it(people):
    assert client_for(people["lena"]).post(LIST, {}).status_code == 405


def test_the_list_costs_the_same_for_3_and_30_messages(people):
    lena = people["lena"]
    counts = []
    for total in (3, 30):
        while Notification.objects.filter(user=lena).count() < total:
            message(lena)
        with CaptureQueriesContext(connection) as queries:
            assert client_for(lena).get(LIST).json()["count"] == total
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "get" in schema["paths"]["/api/v1/notifications/"]
    assert "post" in schema["paths"]["/api/v1/notifications/{id}/read/"]
