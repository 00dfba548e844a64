"""The coordinators' call list and the messages that could not be delivered. Personas: the
coordinator of the exchange, a colleague of the same exchange, a coordinator of another
exchange (who must not learn that these rows exist), a teen and a provider (403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from notifications.models import Channel, Notification, Status
from notifications.services import Event, Recipient, notify
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db


def call_task(exchange, *, name="Hildegard Muster", phone="02421 12 34-56", minutes_ago=0,
              status=Status.SENT, user=None, kind="application.new"):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user, recipient_name=name, recipient_phone=phone, exchange_id=exchange.pk, kind=kind,
        channel=Channel.CALL, status=status, created_at=created, context={},
        key=f"call:{name}:{Notification.objects.count()}")


def failed_mail(exchange, *, name="Eva Beispiel", error="SMTPRecipientsRefused: eltern@example.org"):
    return Notification.objects.create(
        recipient_name=name, recipient_email="eltern@example.org", exchange_id=exchange.pk,
        kind="parent.job_confirmed", channel=Channel.EMAIL, status=Status.FAILED, attempts=8,
        last_error=error, key=f"failed:{name}:{Notification.objects.count()}")


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def foreign_client(client, other_exchange):
    client.force_login(make_coordinator(other_exchange, email="aachen@example.org"))
    return client


def names_on_the_list(response) -> list[str]:
    return [task["notification"].recipient_name for task in response.context["tasks"]]


# --- call list -----------------------------------------------------------------------------


def test_the_call_list_shows_her_exchanges_tasks_oldest_first_with_phone_and_text(
    coordinator_client, exchange, other_exchange
):
    call_task(exchange, name="Neu", minutes_ago=5)
    call_task(exchange, name="Alt", minutes_ago=60)
    call_task(other_exchange, name="Aachen")
    call_task(exchange, name="Nachts", status=Status.PENDING)  # waits for its time or a worker
    response = coordinator_client.get(reverse("notification_call_list"))
    assert response.status_code == 200
    assert names_on_the_list(response) == ["Alt", "Neu"]
    html = response.content.decode()
    assert "Aachen" not in html and "Nachts" not in html
    assert {a["href"] for a in tags(html, "a") if a["href"].startswith("tel:")} == {"tel:02421123456"}
    assert "02421 12 34-56" in html
    assert "Zum Vorlesen" in html and "<h1>" in html


def test_a_provider_without_email_lands_on_the_list_through_the_pipeline(
    coordinator_client, exchange, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the send is enqueued after commit
        notify(Event(kind="application.new", key="application.new:1", exchange_id=exchange.pk),
               [Recipient(name="Hildegard Muster", phone="02421 123456", channels=(Channel.CALL,),
                          key="provider:1")])
    assert names_on_the_list(coordinator_client.get(reverse("notification_call_list"))) == ["Hildegard Muster"]


def test_the_text_to_read_out_shows_markup_as_text(coordinator_client, exchange):
    task = call_task(exchange)
    Notification.objects.filter(pk=task.pk).update(
        context={"teen_name": "<b>Lena</b>", "message": "<script>alert(1)</script>", "job_title": "Laub"})
    html = coordinator_client.get(reverse("notification_call_list")).content.decode()
    assert "<script>alert" not in html and "<b>Lena" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_call_is_ticked_off_and_leaves_the_list(coordinator_client, coordinator, exchange):
    task = call_task(exchange)
    response = coordinator_client.post(reverse("notification_call_done", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == coordinator
    assert AuditEntry.objects.filter(action="notifications.call.done", target_id=task.pk,
                                     actor=coordinator).count() == 1
    response = coordinator_client.get(reverse("notification_call_list"))
    assert names_on_the_list(response) == []
    assert [d["notification"].pk for d in response.context["done"]] == [task.pk]
    assert "koordination@example.org" in response.content.decode()


def test_a_second_tick_keeps_the_first_one(client, coordinator, exchange):
    colleague = make_coordinator(exchange, email="kollegin@example.org")
    task = call_task(exchange)
    client.force_login(coordinator)
    client.post(reverse("notification_call_done", args=[task.pk]))
    first = Notification.objects.get(pk=task.pk).done_at
    client.force_login(colleague)
    response = client.post(reverse("notification_call_done", args=[task.pk]), follow=True)
    assert response.status_code == 200
    assert "schon als erledigt" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at == first and task.done_by == coordinator
    assert AuditEntry.objects.filter(action="notifications.call.done").count() == 1


def test_a_coordinator_of_another_exchange_sees_nothing_and_cannot_tick(foreign_client, exchange):
    task = call_task(exchange, name="Hildegard")
    response = foreign_client.get(reverse("notification_call_list"))
    assert response.status_code == 200
    assert names_on_the_list(response) == [] and "Hildegard" not in response.content.decode()
    assert foreign_client.post(reverse("notification_call_done", args=[task.pk])).status_code == 404
    assert Notification.objects.get(pk=task.pk).done_at is None


def test_only_call_tasks_can_be_ticked_off(coordinator_client, exchange):
    mail = failed_mail(exchange)
    assert coordinator_client.post(reverse("notification_call_done", args=[mail.pk])).status_code == 404


def test_ticking_off_needs_a_post(coordinator_client, exchange):
    task = call_task(exchange)
    assert coordinator_client.get(reverse("notification_call_done", args=[task.pk])).status_code == 405


@pytest.mark.parametrize("persona", ["teen", "provider"])
@pytest.mark.parametrize("page", ["notification_call_list", "notification_failed"])
def test_teens_and_providers_are_refused(client, exchange, persona, page):
    user = (make_teen(exchange) if persona == "teen" else make_provider(exchange)).user
    client.force_login(user)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("persona", ["teen", "provider"])
def test_teens_and_providers_cannot_tick_off(client, exchange, persona):
    task = call_task(exchange)
    client.force_login((make_teen(exchange) if persona == "teen" else make_provider(exchange)).user)
    assert client.post(reverse("notification_call_done", args=[task.pk])).status_code == 403
    assert Notification.objects.get(pk=task.pk).done_at is None


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("notification_call_list"))
    assert response.status_code == 302 and reverse("account_login") in response.url


# --- failed messages -----------------------------------------------------------------------


def test_failed_messages_of_her_exchange_show_with_the_error(coordinator_client, exchange, other_exchange):
    failed_mail(exchange, name="Eva Beispiel", error="SMTPRecipientsRefused: kein Postfach")
    failed_mail(other_exchange, name="Olga Aachen")
    call_task(exchange, name="Zugestellt")  # sent: not a failure
    response = coordinator_client.get(reverse("notification_failed"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eva Beispiel" in html and "kein Postfach" in html and "eltern@example.org" in html
    assert "Olga" not in html and "Zugestellt" not in html
    assert "<caption>" in html and 'scope="col"' in html


def test_looking_at_the_call_list_and_the_failures_is_on_record_with_counts_not_names(
    coordinator_client, coordinator, exchange, other_exchange
):
    call_task(exchange, name="Alt")
    call_task(exchange, name="Neu")
    call_task(other_exchange, name="Aachen")
    failed_mail(exchange, name="Eva Beispiel")
    coordinator_client.get(reverse("notification_call_list"))
    coordinator_client.get(reverse("notification_failed"))
    entries = {e.action: e for e in AuditEntry.objects.filter(actor=coordinator)}
    calls, failures = entries["notifications.call_list.viewed"], entries["notifications.failed_list.viewed"]
    assert (calls.exchange_id, calls.data) == (exchange.pk, {"shown": 2})
    assert (failures.exchange_id, failures.data) == (exchange.pk, {"shown": 1})
    assert not AuditEntry.objects.filter(actor=coordinator, exchange_id=other_exchange.pk).exists()


def test_a_coordinator_of_another_exchange_sees_no_failures(foreign_client, exchange):
    failed_mail(exchange, name="Eva Beispiel")
    response = foreign_client.get(reverse("notification_failed"))
    assert "Eva Beispiel" not in response.content.decode()
    assert list(response.context["items"]) == []


# --- console home --------------------------------------------------------------------------


def test_the_console_links_to_the_call_list_and_the_failures_with_counts(coordinator_client, exchange, other_exchange):
    call_task(exchange)
    call_task(exchange)
    call_task(other_exchange)
    failed_mail(exchange)
    html = coordinator_client.get(reverse("coordinator_home")).content.decode()
    links = {a["href"] for a in tags(html, "a")}
    assert reverse("notification_call_list") in links and reverse("notification_failed") in links
    assert "2 Anrufe auf der Anrufliste" in html
    assert "1 Nachricht nicht zugestellt" in html
