"""Broadcasts: who a coordinator's message reaches, what it may contain, and that it goes out once,
through the notification outbox, with each teen's preferences and a minor's quiet hours."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import Broadcast, Category, TeenStatus
from marketplace.selectors.broadcasts import broadcast_recipient_count, broadcast_recipients
from marketplace.services.broadcasts import broadcast_clean_url, broadcast_send
from marketplace.services.errors import Conflict
from notifications.models import Channel, Notification, Preference, Status
from notifications.services import BERLIN
from tests.factories import make_coordinator, make_teen, years_ago

pytestmark = pytest.mark.django_db

NO_FILTER = {}


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def teens(exchange):
    """Four active teens: a 14-year-old in Düren who likes gardens, a 16-year-old pupil in
    Kreuzau (a child by law), a 16-year-old apprentice in Düren (a youth) who likes pets, and a
    19-year-old in Jülich who likes gardens and pets."""
    ida = make_teen(exchange, age=14, first_name="Ida", postcode="52349", email="ida@example.org")
    ben = make_teen(exchange, age=16, first_name="Ben", postcode="52372", email="ben@example.org")
    yus = make_teen(exchange, age=16, in_compulsory_school=False, first_name="Yusuf", postcode="52349",
                    email="yusuf@example.org")
    ada = make_teen(exchange, age=19, first_name="Ada", postcode="52428", email="ada@example.org")
    garden, pets = (Category.objects.get(exchange=exchange, slug=s) for s in ("garden", "pets"))
    ida.interests.add(garden)
    yus.interests.add(pets)
    ada.interests.add(garden, pets)
    return {"Ida": ida, "Ben": ben, "Yusuf": yus, "Ada": ada}


def names(exchange, **filters):
    """Who is reached; the preview's count always agrees."""
    teens = broadcast_recipients(exchange=exchange, filters=filters)
    assert broadcast_recipient_count(exchange=exchange, filters=filters) == len(teens)
    return sorted(t.first_name for t in teens)


def send(exchange, coordinator, *, title="Sommerfest", message="Am Samstag feiern wir im Jugendzentrum.",
         filters=NO_FILTER, **kwargs):
    return broadcast_send(exchange=exchange, by=coordinator, title=title, message=message,
                          filters=filters, **kwargs)


# --- whom it reaches ------------------------------------------------------------------------


def test_without_a_filter_every_active_teen_of_the_exchange_is_reached(exchange, teens):
    assert names(exchange) == ["Ada", "Ben", "Ida", "Yusuf"]


def test_the_age_classes_follow_the_law_a_pupil_of_16_counts_as_a_child(exchange, teens):
    assert names(exchange, age_classes=["child"]) == ["Ben", "Ida"]
    assert names(exchange, age_classes=["youth"]) == ["Yusuf"]
    assert names(exchange, age_classes=["adult"]) == ["Ada"]
    assert names(exchange, age_classes=["youth", "adult"]) == ["Ada", "Yusuf"]


def test_the_age_class_is_the_one_of_today(exchange, teens):
    ida = teens["Ida"]
    ida.birth_date = years_ago(15) - timedelta(days=1)
    ida.in_compulsory_school = False
    ida.save()
    assert names(exchange, age_classes=["child"]) == ["Ben"]
    assert names(exchange, age_classes=["youth"]) == ["Ida", "Yusuf"]


def test_postcodes_and_interests_filter_and_add_up(exchange, teens):
    assert names(exchange, postcodes=["52349"]) == ["Ida", "Yusuf"]
    assert names(exchange, postcodes=["52349", "52428"]) == ["Ada", "Ida", "Yusuf"]
    assert names(exchange, interests=["garden"]) == ["Ada", "Ida"]
    assert names(exchange, interests=["garden", "pets"]) == ["Ada", "Ida", "Yusuf"]
    assert names(exchange, postcodes=["52349"], interests=["pets"]) == ["Yusuf"]
    assert names(exchange, age_classes=["child"], postcodes=["52349"], interests=["garden"]) == ["Ida"]
    assert names(exchange, age_classes=["adult"], postcodes=["52349"]) == []


def test_paused_suspended_waiting_and_other_exchanges_teens_are_never_reached(exchange, other_exchange, teens):
    for status in (TeenStatus.PAUSED, TeenStatus.SUSPENDED, TeenStatus.INTAKE_PENDING, TeenStatus.AGED_OUT):
        make_teen(exchange, status=status, first_name=str(status))
    make_teen(other_exchange, postcode="52062", first_name="Olga")
    assert names(exchange) == ["Ada", "Ben", "Ida", "Yusuf"]
    assert names(other_exchange) == ["Olga"]


# --- sending ----------------------------------------------------------------------------------


def test_a_broadcast_reaches_each_teen_by_email_and_in_her_inbox_once(
    exchange, coordinator, teens, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = send(exchange, coordinator, filters={"interests": ["garden"]}, url="/jugendliche/auftraege/")
    assert (broadcast.recipients, broadcast.created_by, broadcast.filters["interests"]) == (2, coordinator, ["garden"])
    rows = Notification.objects.filter(kind="broadcast")
    assert {(n.user_id, n.channel) for n in rows} == {
        (teens[name].user_id, channel) for name in ("Ida", "Ada") for channel in (Channel.EMAIL, Channel.INAPP)}
    assert all(n.status == Status.SENT and n.exchange_id == exchange.pk for n in rows)
    inbox = rows.get(user=teens["Ida"].user, channel=Channel.INAPP)
    assert inbox.context["title"] == "Sommerfest" and inbox.context["url"] == "/jugendliche/auftraege/"
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"ida@example.org", "ada@example.org"}
    assert sent["ida@example.org"].subject == "Sommerfest"
    assert "Hallo Ida" in sent["ida@example.org"].body
    assert "Am Samstag feiern wir im Jugendzentrum." in sent["ida@example.org"].body
    assert "/jugendliche/auftraege/" in sent["ida@example.org"].body


def test_the_send_is_on_record_without_the_message_text(exchange, coordinator, teens):
    broadcast = send(exchange, coordinator, filters={"postcodes": ["52349"], "age_classes": ["youth"]})
    entry = AuditEntry.objects.get(action="marketplace.broadcast.sent")
    assert (entry.actor, entry.exchange_id, entry.target_id) == (coordinator, exchange.pk, broadcast.pk)
    assert entry.data == {"recipients": 1, "filters": {"age_classes": ["youth"], "postcodes": ["52349"],
                                                       "interests": []}}
    assert "Jugendzentrum" not in str(entry.data)


def test_a_teen_who_switched_broadcast_emails_off_still_finds_it_in_her_inbox(exchange, coordinator, teens):
    Preference.objects.create(user=teens["Ben"].user, kind="broadcast", channel=Channel.EMAIL, enabled=False)
    send(exchange, coordinator)
    assert set(Notification.objects.filter(kind="broadcast", user=teens["Ben"].user)
               .values_list("channel", flat=True)) == {Channel.INAPP}


def test_an_sms_broadcast_to_a_minor_in_the_evening_waits_until_eight(
    exchange, coordinator, teens, monkeypatch, django_capture_on_commit_callbacks
):
    for name in ("Ida", "Ada"):
        teens[name].phone = "0151 1111111"
        teens[name].save()
        Preference.objects.create(user=teens[name].user, kind="broadcast", channel=Channel.SMS, enabled=True)
    evening = datetime.combine(timezone.localdate(), time(21), tzinfo=BERLIN)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    with django_capture_on_commit_callbacks(execute=True):
        send(exchange, coordinator, filters={"interests": ["garden"]})
    sms = {n.user_id: n for n in Notification.objects.filter(kind="broadcast", channel=Channel.SMS)}
    assert sms[teens["Ida"].user_id].not_before == datetime.combine(
        evening.date() + timedelta(days=1), time(8), tzinfo=BERLIN)
    assert sms[teens["Ida"].user_id].status == Status.PENDING
    assert sms[teens["Ada"].user_id].not_before is None


def test_the_same_message_twice_in_a_row_is_sent_once(exchange, coordinator, teens):
    send(exchange, coordinator)
    with pytest.raises(Conflict):
        send(exchange, coordinator)
    assert Broadcast.objects.count() == 1
    assert Notification.objects.filter(kind="broadcast").count() == 8
    send(exchange, coordinator, filters={"age_classes": ["adult"]})  # another group is another message
    assert Broadcast.objects.count() == 2


def test_no_recipient_means_an_error_and_nothing_sent(exchange, coordinator, teens):
    with pytest.raises(ValidationError) as error:
        send(exchange, coordinator, filters={"age_classes": ["adult"], "postcodes": ["52372"]})
    assert "erreicht die Nachricht niemanden" in str(error.value)
    assert not Broadcast.objects.exists() and not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action="marketplace.broadcast.sent").exists()


def test_only_a_coordinator_of_the_exchange_may_send(exchange, other_exchange, teens):
    outsider = make_coordinator(other_exchange, email="aachen@example.org")
    with pytest.raises(Conflict):
        send(exchange, outsider)
    with pytest.raises(Conflict):
        send(exchange, teens["Ada"].user)
    assert not Broadcast.objects.exists() and not Notification.objects.exists()


# --- what a broadcast may contain ---------------------------------------------------------


@pytest.mark.parametrize("field, value, words", [
    ("title", "", "Betreff"),
    ("title", "x" * 121, "höchstens 120 Zeichen"),
    ("message", "  ", "Nachricht schreiben"),
    ("message", "x" * 2001, "höchstens 2000 Zeichen"),
])
def test_title_and_message_must_be_there_and_not_too_long(exchange, coordinator, teens, field, value, words):
    with pytest.raises(ValidationError) as error:
        send(exchange, coordinator, **{field: value})
    assert field in error.value.message_dict and words in " ".join(error.value.message_dict[field])
    assert not Broadcast.objects.exists()


@pytest.mark.parametrize("filters, field", [
    ({"age_classes": ["toddler"]}, "age_classes"),
    ({"postcodes": ["52062"]}, "postcodes"),  # Aachen: not this exchange's area
    ({"interests": ["skydiving"]}, "interests"),
])
def test_filters_outside_the_exchange_are_refused(exchange, other_exchange, coordinator, teens, filters, field):
    with pytest.raises(ValidationError) as error:
        send(exchange, coordinator, filters=filters)
    assert field in error.value.message_dict


@pytest.mark.parametrize("url", [
    "https://example.com/gewinnspiel", "http://127.0.0.1:8000.evil.example/", "//example.com/x",
    "javascript:alert(1)", "jugendliche/auftraege/", "/\\example.com", "/a b",
])
def test_a_link_must_stay_on_this_site(settings, url):
    settings.SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(ValidationError) as error:
        broadcast_clean_url(url)
    assert "nur einen Link auf diese Website" in error.value.message_dict["url"][0]


def test_a_full_link_to_this_site_is_kept_as_its_path(settings):
    settings.SITE_URL = "https://taschengeld.kreis-dueren.de"
    assert broadcast_clean_url("https://taschengeld.kreis-dueren.de/jugendliche/auftraege/?seite=2#neu") == (
        "/jugendliche/auftraege/?seite=2#neu")
    assert broadcast_clean_url(" /start/ ") == "/start/"
    assert broadcast_clean_url("") == ""
