"""The in-app inbox on the web and the unread count in the navigation. Personas: the owner of
the messages, another teen of the same exchange, and a visitor without an account."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Notification, Status
from notifications.services import Event, Recipient, notify
from tests.factories import make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db

KIND = "test.greeting"  # a kind of these tests only: its texts are written below


def message(user, *, kind=KIND, minutes_ago=0, read=False, channel=Channel.INAPP, language="de", **context):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user, kind=kind, channel=channel, language=language, context=context, status=Status.SENT,
        key=f"{kind}:{user.pk}:{channel}:{Notification.objects.count()}", created_at=created,
        read_at=created if read else None)


@pytest.fixture(autouse=True)
def greeting_texts(settings, tmp_path):
    """German and English texts for KIND, as the events' templates are written."""
    folder = tmp_path / "notifications" / KIND
    folder.mkdir(parents=True)
    language = '{% get_current_language as lang %}'
    # Plain text, unescaped, as the real .txt templates are.
    (folder / "subject.txt").write_text(
        "{% autoescape off %}{% load i18n %}" + language
        + '{% if lang == "en" %}Hello {{ name }}{% else %}Hallo {{ name }}{% endif %}{% endautoescape %}')
    (folder / "short.txt").write_text(
        "{% autoescape off %}{% load i18n %}" + language
        + '{% if lang == "en" %}See you on Saturday.{% else %}Bis Samstag.{% endif %} {{ note }}{% endautoescape %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, first_name="Lena")


@pytest.fixture
def jonas(exchange):
    return make_teen(exchange, first_name="Jonas")


@pytest.fixture
def lena_client(client, lena):
    client.force_login(lena.user)
    return client


def inbox_titles(response) -> list[str]:
    return [item["title"] for item in response.context["items"]]


def test_the_inbox_shows_her_messages_newest_first_in_her_language(lena_client, lena):
    message(lena.user, minutes_ago=10, name="Ältere")
    message(lena.user, minutes_ago=1, name="Neue", language="en")
    response = lena_client.get(reverse("notification_inbox"))
    assert response.status_code == 200
    assert inbox_titles(response) == ["Hello Neue", "Hallo Ältere"]
    html = response.content.decode()
    assert "See you on Saturday." in html and "Bis Samstag." in html
    assert 'class="teen"' in html


def test_markup_in_a_message_is_shown_as_text(lena_client, lena):
    message(lena.user, name="<b>Jonas</b>", note='<script>alert("x")</script>')
    html = lena_client.get(reverse("notification_inbox")).content.decode()
    assert "<script>alert" not in html and "<b>Jonas" not in html
    assert "Hallo &lt;b&gt;Jonas&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_kind_without_texts_shows_its_label(lena_client, lena):
    message(lena.user, kind="application.accepted")
    message(lena.user, kind="something.unknown")
    with pytest.MonkeyPatch.context() as patch:
        # Whatever the events' templates say by now: a kind without texts falls back.
        patch.setattr("notifications.selectors.render", _missing_template)
        response = lena_client.get(reverse("notification_inbox"))
    assert inbox_titles(response) == ["something.unknown", "Zusage"]


def _missing_template(notification, channel):
    from django.template import TemplateDoesNotExist

    raise TemplateDoesNotExist(f"notifications/{notification.kind}/subject.txt")


def test_she_sees_only_her_own_in_app_messages(lena_client, lena, jonas):
    message(lena.user, name="Lena")
    message(lena.user, name="per E-Mail", channel=Channel.EMAIL)
    message(jonas.user, name="Jonas")
    withdrawn = message(lena.user, name="zurückgezogen")
    Notification.objects.filter(pk=withdrawn.pk).update(status=Status.CANCELLED)
    response = lena_client.get(reverse("notification_inbox"))
    assert inbox_titles(response) == ["Hallo Lena"]
    assert "Jonas" not in response.content.decode()


def test_unread_messages_are_marked_and_one_can_be_marked_read(lena_client, lena):
    unread = message(lena.user, name="ungelesen", minutes_ago=1)
    message(lena.user, name="gelesen", minutes_ago=5, read=True)
    html = lena_client.get(reverse("notification_inbox")).content.decode()
    forms = [f["action"] for f in tags(html, "form")]
    assert reverse("notification_read", args=[unread.pk]) in forms
    assert html.count(">neu<") == 1
    response = lena_client.post(reverse("notification_read", args=[unread.pk]),
                                {"next": reverse("notification_inbox") + "?page=1"})
    assert response.status_code == 302 and response.url == reverse("notification_inbox") + "?page=1"
    unread.refresh_from_db()
    assert unread.read_at is not None


def test_marking_read_does_not_follow_a_foreign_next_url(lena_client, lena):
    unread = message(lena.user)
    response = lena_client.post(reverse("notification_read", args=[unread.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("notification_inbox")


def test_all_can_be_marked_read_at_once_and_only_hers(lena_client, lena, jonas):
    mine = [message(lena.user), message(lena.user)]
    his = message(jonas.user)
    response = lena_client.post(reverse("notification_read_all"))
    assert response.status_code == 302
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=his.pk).read_at is None


def test_another_persons_message_is_a_404_and_stays_unread(lena_client, jonas):
    his = message(jonas.user)
    assert lena_client.post(reverse("notification_read", args=[his.pk])).status_code == 404
    assert Notification.objects.get(pk=his.pk).read_at is None


def test_marking_read_needs_a_post(lena_client, lena):
    unread = message(lena.user)
    assert lena_client.get(reverse("notification_read", args=[unread.pk])).status_code == 405
    assert Notification.objects.get(pk=unread.pk).read_at is None


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("notification_inbox"))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_an_event_reaches_the_inbox_through_the_pipeline(lena_client, lena):
    notify(Event(kind=KIND, key="greeting:1", context={"name": "Lena"}),
           [Recipient(user_id=lena.user_id, channels=(Channel.INAPP,))])
    assert inbox_titles(lena_client.get(reverse("notification_inbox"))) == ["Hallo Lena"]


def test_the_inbox_is_paginated(lena_client, lena):
    for n in range(25):
        message(lena.user, minutes_ago=n, name=str(n))
    first = lena_client.get(reverse("notification_inbox"))
    assert len(first.context["items"]) == 20
    second = lena_client.get(reverse("notification_inbox"), {"page": 2})
    assert inbox_titles(second) == [f"Hallo {n}" for n in range(20, 25)]


# --- navigation ----------------------------------------------------------------------------


def nav_link(html: str) -> dict:
    return next(a for a in tags(html, "a") if a.get("href") == reverse("notification_inbox"))


def unread_badge(html: str) -> str | None:
    badges = [s for s in tags(html, "span") if "data-unread" in s]
    return badges[0]["data-unread"] if badges else None


def test_the_navigation_shows_the_unread_count(lena_client, lena, jonas):
    message(lena.user)
    message(lena.user)
    message(lena.user, read=True)
    message(jonas.user)
    html = lena_client.get(reverse("account_data")).content.decode()
    assert nav_link(html)
    assert unread_badge(html) == "2"
    assert "2<span class=\"visually-hidden\"> ungelesen</span>" in html
    lena_client.post(reverse("notification_read_all"))
    html = lena_client.get(reverse("account_data")).content.decode()
    assert nav_link(html) and unread_badge(html) is None


def test_the_unread_count_costs_one_query(lena_client, lena):
    message(lena.user)
    with CaptureQueriesContext(connection) as queries:
        lena_client.get(reverse("account_data"))
    on_notifications = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(on_notifications) == 1, on_notifications


def test_a_visitor_has_no_inbox_link_and_costs_no_query(client, lena):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("signup_teen")).content.decode()
    assert not [a for a in tags(html, "a") if a.get("href") == reverse("notification_inbox")]
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
