"""The broadcast pages: the list of sent messages and a new one in two steps (preview with the
number of recipients, then send). Personas: the coordinator of the exchange, a teen and a
provider (403), and a coordinator of another exchange (404, sees nothing)."""

import pytest
from django.urls import reverse

from marketplace.models import Broadcast, Category
from notifications.models import Channel, Notification, Status
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db

LIST, NEW = reverse("coordinator_broadcasts"), reverse("coordinator_broadcast_new")


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def teens(exchange):
    ida = make_teen(exchange, age=14, first_name="Ida", postcode="52349")
    ada = make_teen(exchange, age=19, first_name="Ada", postcode="52428")
    ida.interests.add(Category.objects.get(exchange=exchange, slug="garden"))
    return {"Ida": ida, "Ada": ada}


def message(step, **extra):
    return {"step": step, "title": "Sommerfest", "message": "Am Samstag feiern wir.", "url": "", **extra}


def test_the_form_offers_the_exchanges_postcodes_with_their_places_and_its_categories(coordinator_client):
    html = coordinator_client.get(NEW).content.decode()
    assert "52349 Düren" in html and "52372 Kreuzau" in html and "52062" not in html
    assert "Kinder (unter 15 oder vollzeitschulpflichtig)" in html and "Garten" in html
    assert 'value="preview"' in html and 'value="send"' not in html


def test_the_preview_shows_how_many_teens_it_reaches_but_not_who(coordinator_client, teens):
    response = coordinator_client.post(NEW, message("preview", age_classes=["child"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Diese Nachricht geht an eine aktive Jugendliche oder einen aktiven Jugendlichen" in html
    assert "Am Samstag feiern wir." in html and "Kinder (unter 15 oder vollzeitschulpflichtig)" in html
    assert "Ida" not in html and "Ada" not in html
    assert 'value="send"' in html and '<input type="hidden" name="age_classes" value="child">' in html
    assert not Broadcast.objects.exists() and not Notification.objects.exists()


def test_sending_after_the_preview_delivers_to_the_inbox_and_lists_the_broadcast(
    client, coordinator_client, teens, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(NEW, message("send", interests=["garden"], url="/start/"))
    assert response.status_code == 302 and response.url == LIST
    inbox = Notification.objects.get(kind="broadcast", channel=Channel.INAPP)
    assert (inbox.user_id, inbox.status) == (teens["Ida"].user_id, Status.SENT)
    html = coordinator_client.get(LIST).content.decode()
    assert "Die Nachricht „Sommerfest“ geht an 1 Jugendliche." in html
    assert "Sommerfest" in html and "Garten" in html and "koordination@example.org" in html
    client.force_login(teens["Ida"].user)
    assert "Sommerfest" in client.get(reverse("notification_inbox")).content.decode()


def test_no_recipient_is_a_german_error_already_in_the_preview(coordinator_client, teens):
    for step in ("preview", "send"):
        response = coordinator_client.post(NEW, message(step, age_classes=["adult"], postcodes=["52349"]))
        assert response.status_code == 200
        assert "Mit diesen Filtern erreicht die Nachricht niemanden." in response.content.decode()
    assert not Broadcast.objects.exists() and not Notification.objects.exists()


def test_bad_input_is_shown_next_to_the_field(coordinator_client, teens):
    response = coordinator_client.post(NEW, message("preview", title="", url="https://example.com/"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"] == ["Bitte ausfüllen."]
    assert "nur einen Link auf diese Website" in form.errors["url"][0]
    response = coordinator_client.post(NEW, message("preview", postcodes=["52062"]))
    assert response.context["form"].errors["postcodes"]


def test_a_double_click_on_send_sends_once(coordinator_client, teens, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = coordinator_client.post(NEW, message("send"))
        second = coordinator_client.post(NEW, message("send"), follow=True)
    assert first.status_code == 302
    assert "Diese Nachricht ist gerade eben schon gesendet worden." in second.content.decode()
    assert Broadcast.objects.count() == 1
    assert Notification.objects.filter(kind="broadcast", channel=Channel.INAPP).count() == 2


def test_a_coordinator_of_two_exchanges_picks_the_exchange_first(client, exchange, other_exchange, teens):
    both = make_coordinator(exchange, other_exchange, email="beide@example.org")
    client.force_login(both)
    html = client.get(NEW).content.decode()
    assert "Taschengeldbörse Aachen" in html and "Taschengeldbörse Kreis Düren" in html
    html = client.get(NEW, {"boerse": other_exchange.pk}).content.decode()
    assert "52062 Aachen" in html and "52349" not in html


def test_the_list_needs_the_same_number_of_queries_for_many_broadcasts(
    coordinator_client, coordinator, exchange, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            Broadcast.objects.create(exchange=exchange, title=f"Nachricht {i}", message="Text", created_by=coordinator,
                                     recipients=3, filters={"postcodes": ["52349"], "interests": ["garden"]})
    add(2)
    with django_assert_max_num_queries(12) as few:
        coordinator_client.get(LIST)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = coordinator_client.get(LIST).content.decode()
    assert "52349 Düren; Garten" in html


# --- personas -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, NEW])
def test_teens_and_providers_may_not_open_the_pages(client, exchange, url):
    for user in (make_teen(exchange).user, make_provider(exchange).user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, message("send")).status_code == 403
    assert not Broadcast.objects.exists()


def test_another_exchanges_coordinator_neither_sees_nor_sends_to_this_exchange(
    client, coordinator, exchange, other_exchange, teens
):
    Broadcast.objects.create(exchange=exchange, title="Nur für Düren", message="Text", created_by=coordinator,
                             recipients=2)
    outsider = make_coordinator(other_exchange, email="aachen@example.org")
    client.force_login(outsider)
    assert "Nur für Düren" not in client.get(LIST).content.decode()
    assert client.get(NEW, {"boerse": exchange.pk}).status_code == 404
    assert client.post(NEW, message("preview", exchange=exchange.pk)).status_code == 404
    assert client.post(NEW, message("send", exchange=exchange.pk)).status_code == 404
    assert Broadcast.objects.count() == 1 and not Notification.objects.exists()
