"""Preferences per kind and channel, and the one-click unsubscribe of an e-mail."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications.forms import field_name
from notifications.models import Channel, Notification, Preference
from notifications.services import Event, Recipient, notify, preferences_set
from notifications.texts import KINDS, UNSUBSCRIBE_SALT, unsubscribe_token, unsubscribe_url
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import tags

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, first_name="Lena")


@pytest.fixture
def lena_client(client, lena):
    client.force_login(lena.user)
    return client


def checkbox(html: str, kind: str, channel: str) -> dict | None:
    name = field_name(kind, channel)
    return next((i for i in tags(html, "input") if i.get("name") == name), None)


def stored(user) -> dict:
    return {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user)}


def all_on_except(html: str, *off: tuple[str, str]) -> dict:
    """The POST body of the form as shown, with the given cells unticked."""
    data = {}
    for field in tags(html, "input"):
        if field.get("type") == "checkbox" and "checked" in field:
            data[field["name"]] = "on"
    for kind, channel in off:
        data.pop(field_name(kind, channel), None)
    return data


# --- the page ------------------------------------------------------------------------------


def test_a_teen_chooses_channels_per_optional_kind_and_sms_is_hers_to_switch_on(lena_client):
    response = lena_client.get(reverse("notification_preferences"))
    assert response.status_code == 200
    html = response.content.decode()
    for channel, ticked in ((Channel.EMAIL, True), (Channel.INAPP, True), (Channel.SMS, False)):
        box = checkbox(html, "job.new_fitting", channel)
        assert box is not None and ("checked" in box) is ticked, channel
        # Each checkbox has its own label (the channel), inside a fieldset named by the kind.
        assert any(label.get("for") == box["id"] for label in tags(html, "label"))
    assert "<legend>Neue passende Aufträge</legend>" in html and "<h1>" in html
    # A teen is not asked about applications to her jobs.
    assert str(KINDS["application.new"].label) not in html


def test_a_mandatory_kind_is_fixed_on_email_and_inbox_and_sms_can_be_added(lena_client):
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    assert checkbox(html, "application.accepted", Channel.EMAIL) is None
    assert checkbox(html, "application.accepted", Channel.INAPP) is None
    sms = checkbox(html, "application.accepted", Channel.SMS)
    assert sms is not None and "checked" not in sms
    assert "Diese Nachrichten kommen immer" in html and "Zusätzlich per SMS" in html


def test_the_daily_digest_is_opt_in_and_by_email(lena_client):
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    assert "checked" not in checkbox(html, "job.digest", Channel.EMAIL)
    assert checkbox(html, "job.digest", Channel.INAPP) is None


def test_a_provider_sees_her_kinds_and_switches_optional_ones_only(client, exchange):
    provider = make_provider(exchange)
    client.force_login(provider.user)
    html = client.get(reverse("notification_preferences")).content.decode()
    assert "checked" in checkbox(html, "feedback.requested", Channel.EMAIL)
    assert checkbox(html, "job.new_fitting", Channel.EMAIL) is None
    assert checkbox(html, "application.new", Channel.SMS) is None  # her profile decides
    assert f"<li>{KINDS['application.new'].label}</li>" in html
    assert 'class="provider"' in html


def test_a_coordinator_has_no_sms_to_choose(client, exchange):
    client.force_login(make_coordinator(exchange))
    html = client.get(reverse("notification_preferences")).content.decode()
    assert checkbox(html, "broadcast", Channel.EMAIL) is not None
    assert checkbox(html, "broadcast", Channel.SMS) is None
    assert str(KINDS["coordination.incident"].label) in html


def test_choices_persist_and_are_shown_again(lena_client, lena):
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    body = all_on_except(html, ("feedback.requested", Channel.EMAIL))
    body[field_name("job.digest", Channel.EMAIL)] = "on"
    body[field_name("application.accepted", Channel.SMS)] = "on"
    response = lena_client.post(reverse("notification_preferences"), body)
    assert response.status_code == 302
    choices = stored(lena.user)
    assert choices[("job.new_fitting", Channel.EMAIL)] is True
    assert choices[("job.new_fitting", Channel.SMS)] is False
    assert choices[("feedback.requested", Channel.EMAIL)] is False
    assert choices[("job.digest", Channel.EMAIL)] is True
    assert choices[("application.accepted", Channel.SMS)] is True
    # Nothing that would silence a message that must arrive.
    assert not [(kind, channel) for (kind, channel), enabled in choices.items()
                if not KINDS[kind].optional and not enabled]
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    assert "checked" not in checkbox(html, "feedback.requested", Channel.EMAIL)
    assert "checked" in checkbox(html, "job.digest", Channel.EMAIL)
    assert "checked" in checkbox(html, "application.accepted", Channel.SMS)
    # Taking the added SMS back leaves the mandatory kind as it was: no row at all.
    lena_client.post(reverse("notification_preferences"), all_on_except(html, ("application.accepted", Channel.SMS)))
    assert ("application.accepted", Channel.SMS) not in stored(lena.user)


def test_a_forged_post_cannot_switch_off_a_mandatory_kind(lena_client, lena):
    lena_client.post(reverse("notification_preferences"), {field_name("application.accepted", Channel.EMAIL): ""})
    assert ("application.accepted", Channel.EMAIL) not in stored(lena.user)
    with pytest.raises(ValueError):
        preferences_set(user=lena.user, choices={("application.accepted", Channel.INAPP): False})
    assert not [key for key, enabled in stored(lena.user).items() if not KINDS[key[0]].optional and not enabled]


def test_a_switched_off_channel_is_not_written_by_the_next_event(lena_client, lena):
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    lena_client.post(reverse("notification_preferences"), all_on_except(html, ("feedback.requested", Channel.EMAIL)))
    notify(Event(kind="feedback.requested", key="feedback.requested:1"),
           [Recipient(user_id=lena.user_id, email=lena.user.email)])
    assert set(Notification.objects.filter(user=lena.user).values_list("channel", flat=True)) == {Channel.INAPP}


def test_the_marketplace_adds_sms_where_she_switched_it_on(lena_client, exchange):
    from marketplace.notify import teen_recipient

    teen = make_teen(exchange, first_name="Mia", phone="0151 5550101")
    lena_client.force_login(teen.user)
    html = lena_client.get(reverse("notification_preferences")).content.decode()
    assert Channel.SMS not in teen_recipient(teen, "application.accepted").channels
    body = all_on_except(html)
    body[field_name("application.accepted", Channel.SMS)] = "on"
    lena_client.post(reverse("notification_preferences"), body)
    assert Channel.SMS in teen_recipient(teen, "application.accepted").channels


def test_preferences_need_an_account(client):
    response = client.get(reverse("notification_preferences"))
    assert response.status_code == 302 and reverse("account_login") in response.url


# --- one-click unsubscribe ------------------------------------------------------------------


def mail_for(user, kind="job.new_fitting"):
    return Notification(user=user, kind=kind, channel=Channel.EMAIL, key="x")


def unsubscribe_path(user, kind="job.new_fitting") -> str:
    return reverse("notification_unsubscribe", args=[unsubscribe_token(mail_for(user, kind))])


def test_the_link_in_the_mail_leads_to_the_unsubscribe_page(lena):
    url = unsubscribe_url(mail_for(lena.user))
    assert url.endswith(unsubscribe_path(lena.user))


def test_the_link_asks_first_and_changes_nothing_on_get(client, lena):
    response = client.get(unsubscribe_path(lena.user))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(KINDS["job.new_fitting"].label) in html
    # One form of its own (besides the language switch), with one button.
    assert len([f for f in tags(html, "form") if f.get("method") == "post" and not f.get("action")]) == 1
    assert "Ja, abbestellen</button>" in html
    assert stored(lena.user) == {}


def test_one_click_switches_the_kind_off_on_email_only_without_login(lena):
    # A mail program's one-click POST (RFC 8058) carries no CSRF token: the signed link is enough.
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe_path(lena.user), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "nicht mehr per E-Mail" in response.content.decode()
    assert stored(lena.user) == {("job.new_fitting", Channel.EMAIL): False}
    # Twice is fine.
    assert client.post(unsubscribe_path(lena.user)).status_code == 200
    notify(Event(kind="job.new_fitting", key="job.new_fitting:2"),
           [Recipient(user_id=lena.user_id, email=lena.user.email)])
    assert list(Notification.objects.filter(user=lena.user).values_list("channel", flat=True)) == [Channel.INAPP]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_kindly(client, lena, method):
    token = unsubscribe_token(mail_for(lena.user))
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = getattr(client, method)(reverse("notification_unsubscribe", args=[tampered]))
    assert response.status_code == 400
    assert "Dieser Link funktioniert nicht" in response.content.decode()
    assert stored(lena.user) == {}


def test_a_link_signed_for_another_purpose_is_refused(client, lena):
    token = signing.dumps({"u": lena.user_id, "k": "job.new_fitting"}, salt="something.else")
    assert client.post(reverse("notification_unsubscribe", args=[token])).status_code == 400
    assert stored(lena.user) == {}


def test_a_mandatory_kind_cannot_be_unsubscribed_even_with_a_signed_link(client, lena):
    token = signing.dumps({"u": lena.user_id, "k": "application.accepted"}, salt=UNSUBSCRIBE_SALT)
    assert client.post(reverse("notification_unsubscribe", args=[token])).status_code == 400
    assert stored(lena.user) == {}


def test_the_link_of_a_deleted_account_is_refused(client, lena):
    path = unsubscribe_path(lena.user)
    lena.user.delete()
    assert client.post(path).status_code == 400
