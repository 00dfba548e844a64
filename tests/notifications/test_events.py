"""The marketplace's events and who hears of them (issue 5, point 3; DESIGN section 7): for every
event who gets what, on which channel and in which language, with the quiet hours of minors,
the rationing of job offers and the keys that make every message go once.

Celery runs eagerly here (tests/conftest.py), so a captured commit sends at once: a row's status
and `mail.outbox` show what went out.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.template.loader import get_template
from django.utils import timezone

from marketplace import notify as events
from marketplace.models import (
    Application,
    Assignment,
    ContactPreference,
    Job,
    JobStatus,
    ProviderProfile,
    ProviderStatus,
)
from marketplace.services.assignments import assignment_cancel, assignment_complete, incident_report
from marketplace.services.consent import consent_give
from marketplace.services.jobs import (
    application_accept,
    application_create,
    application_decline,
    assignment_create_direct,
    job_approve,
    job_cancel,
    job_create,
    job_update,
    jobs_expire,
)
from marketplace.services.teens import teen_verify
from notifications.models import Channel, Notification, Preference, Status
from notifications.texts import KINDS, render, unsubscribe_url
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
STREET = "Kölnstraße 1"  # the provider's street, which the factory gives every job
PROVIDER_PHONE = "02421 123456"


def saturday(hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 or 7
    return datetime.combine(today + timedelta(days=days + 7 * weeks), time(hour, minute), tzinfo=BERLIN)


def job_data(**overrides) -> dict:
    data = {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            "starts_at": saturday(11), "ends_at": saturday(12), "hourly_rate": Decimal("8.00"),
            "helpers_needed": 1}
    data.update(overrides)
    return data


def rows(**filters):
    return Notification.objects.filter(**filters).order_by("pk")


def channels(kind: str, user) -> set[str]:
    return set(rows(kind=kind, user=user).values_list("channel", flat=True))


def mail_to(address: str):
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def provider(exchange):
    return make_provider(exchange, email="hildegard@example.org")


@pytest.fixture
def lena(exchange):
    """15, so a minor with a parent (eltern@example.org); free on Saturdays 10–16."""
    return make_teen(exchange, age=15, first_name="Lena", email="lena@example.org", phone="0151 1111111")


@pytest.fixture
def open_job(provider, coordinator, lena, django_capture_on_commit_callbacks):
    """A job a coordinator entered for the provider: open at once, and offered to Lena."""
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(provider=provider, by=coordinator, data=job_data())
    mail.outbox.clear()
    return job


@pytest.fixture
def confirmed(open_job, provider, lena, django_capture_on_commit_callbacks):
    """Lena applied and the provider accepted; the outbox starts empty after that."""
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(job=open_job, teen=lena, message="Ich helfe gern!")
        assignment = application_accept(application=application, by=provider.user)
    mail.outbox.clear()
    return assignment


def phone_provider(exchange, *, account: bool) -> ProviderProfile:
    """A senior reached by phone through the coordination, with or without an account."""
    if account:
        profile = make_provider(exchange, first_name="Erna", email="erna@example.org")
    else:
        profile = ProviderProfile.objects.create(
            exchange=exchange, first_name="Erna", last_name="Schulz", street="Am Markt 3", postcode_id="52349",
            city="Düren", phone="02422 5555", private_person_confirmed=True, status=ProviderStatus.ACTIVE)
    profile.contact_preference = ContactPreference.PHONE
    profile.save()
    return profile


# --- new fitting job ----------------------------------------------------------------------

def test_an_approved_job_is_offered_to_a_fitting_teen_by_email_and_in_her_inbox(
    provider, coordinator, lena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(provider=provider, by=provider.user, data=job_data())
    assert job.status == JobStatus.REVIEW and not rows(kind="job.new_fitting").exists()

    with django_capture_on_commit_callbacks(execute=True):
        job_approve(job=job, by=coordinator)

    assert channels("job.new_fitting", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert set(rows(kind="job.new_fitting").values_list("status", flat=True)) == {Status.SENT}
    [message] = mail_to("lena@example.org")
    assert message.subject == "Neuer Auftrag für dich: Laub rechen"
    assert "Hallo Lena," in message.body and "52349 Düren" in message.body
    assert STREET not in message.body  # a teen sees the area until she has the job (DESIGN 8)
    html = message.alternatives[0].content
    assert "Laub rechen" in html and STREET not in html


def test_a_job_a_coordinator_enters_is_offered_at_once(provider, coordinator, lena, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(provider=provider, by=coordinator, data=job_data())
    assert job.status == JobStatus.OPEN
    assert rows(kind="job.new_fitting", user=lena.user).count() == 2


def test_an_english_speaking_teen_gets_her_offer_in_english(
    provider, coordinator, lena, django_capture_on_commit_callbacks
):
    lena.user.language = "en"
    lena.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        job_create(provider=provider, by=coordinator, data=job_data())
    [message] = mail_to("lena@example.org")
    assert message.subject == "New job for you: Laub rechen"
    assert message.body.startswith("Hi Lena,")
    assert "Saturday" in message.body and "Samstag" not in message.body
    inapp = rows(kind="job.new_fitting", channel=Channel.INAPP).get()
    assert inapp.language == "en" and render(inapp, "inapp")[1].startswith("New job for you")


def test_an_offer_carries_a_one_click_unsubscribe_link_and_a_required_message_does_not(
    confirmed, lena
):
    offer = rows(kind="job.new_fitting", channel=Channel.EMAIL).get()
    _subject, text, html = render(offer, "email")
    assert "/nachrichten/abbestellen/" in unsubscribe_url(offer)
    assert unsubscribe_url(offer) in text and unsubscribe_url(offer) in html

    accepted = rows(kind="application.accepted", user=lena.user, channel=Channel.EMAIL).get()
    _subject, text, html = render(accepted, "email")
    assert "/nachrichten/abbestellen/" not in text + html


def test_no_more_offers_than_the_policy_allows_per_teen_and_day(
    exchange, provider, coordinator, lena, django_capture_on_commit_callbacks
):
    assert exchange.policy.max_job_offers_per_day == 3
    jobs = []
    with django_capture_on_commit_callbacks(execute=True):
        for hour in (10, 11, 12, 13):
            jobs.append(job_create(provider=provider, by=coordinator,
                                   data=job_data(title=f"Auftrag {hour}", starts_at=saturday(hour),
                                                 ends_at=saturday(hour, 30))))
    offered = {n.context["job_id"] for n in rows(kind="job.new_fitting", user=lena.user)}
    assert offered == {j.pk for j in jobs[:3]}  # the fourth of the day is not sent
    assert len(mail_to("lena@example.org")) == 3


def test_the_policy_sets_the_number_of_offers(exchange, provider, coordinator, lena):
    exchange.policy.max_job_offers_per_day = 1
    exchange.policy.save()
    first = job_create(provider=provider, by=coordinator, data=job_data())
    second = job_create(provider=provider, by=coordinator, data=job_data(starts_at=saturday(14), ends_at=saturday(15)))
    assert {n.context["job_id"] for n in rows(kind="job.new_fitting", user=lena.user)} == {first.pk}
    assert second.status == JobStatus.OPEN


@pytest.mark.parametrize("notified_before", ["lena", "mia"])
def test_the_least_notified_teen_is_offered_a_job_first(
    exchange, provider, coordinator, lena, monkeypatch, notified_before
):
    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    monkeypatch.setattr(events, "OFFERS_PER_PLACE", 1)  # one place, one offer
    earlier = {"lena": lena, "mia": mia}[notified_before]
    Notification.objects.create(user=earlier.user, kind="job.new_fitting", channel=Channel.INAPP,
                                context={"job_id": 999999}, key=f"job.new_fitting:999999:u{earlier.user_id}:inapp",
                                status=Status.SENT)

    job = job_create(provider=provider, by=coordinator, data=job_data())

    offered = set(rows(kind="job.new_fitting", context__job_id=job.pk).values_list("user_id", flat=True))
    other = mia if earlier is lena else lena
    assert offered == {other.user_id}


def test_a_teen_who_chose_the_daily_digest_gets_the_digest_instead_of_single_offers(
    provider, coordinator, lena, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=lena.user, kind="job.digest", channel=Channel.EMAIL, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(provider=provider, by=coordinator, data=job_data())
    assert not rows(kind="job.new_fitting").exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert events.job_digest_send() == 1
        assert events.job_digest_send() == 0  # once a day
    digest = rows(kind="job.digest").get()
    assert (digest.user_id, digest.channel, digest.status) == (lena.user_id, Channel.EMAIL, Status.SENT)
    [message] = mail_to("lena@example.org")
    assert message.subject == "Ein neuer Auftrag für dich"
    assert "Laub rechen" in message.body and f"/jugendliche/auftraege/{job.pk}/" in message.body
    assert "/nachrichten/abbestellen/" in message.body


def test_a_job_asked_for_the_same_helper_again_is_offered_to_her_alone(
    exchange, provider, coordinator, lena
):
    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    job_create(provider=provider, by=coordinator, data=job_data(), preferred_teen=mia)
    assert set(rows(kind="job.new_fitting").values_list("user_id", flat=True)) == {mia.user_id}


# --- applications and the match -----------------------------------------------------------

def test_a_new_application_goes_to_the_provider_by_email_and_inbox(
    open_job, provider, lena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_create(job=open_job, teen=lena, message="Ich helfe gern!")
    assert channels("application.new", provider.user) == {Channel.EMAIL, Channel.INAPP}
    [message] = mail_to("hildegard@example.org")
    assert message.subject == "Lena möchte Ihnen helfen: Laub rechen"
    assert "Guten Tag Hildegard Muster," in message.body and "Lena (15 Jahre)" in message.body
    assert "Ich helfe gern!" in message.body
    assert "0151" not in message.body and "Beispiel" not in message.body  # no contact data before the match


@pytest.mark.parametrize("account", [True, False])
def test_a_provider_reached_by_phone_gets_a_call_task_and_no_email(
    exchange, coordinator, lena, account, django_capture_on_commit_callbacks
):
    erna = phone_provider(exchange, account=account)
    job = job_create(provider=erna, by=coordinator, data=job_data())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_create(job=job, teen=lena)

    new = rows(kind="application.new")
    assert set(new.values_list("channel", flat=True)) == ({Channel.CALL, Channel.INAPP} if account else {Channel.CALL})
    call = new.get(channel=Channel.CALL)
    assert (call.recipient_name, call.recipient_phone, call.exchange_id) == ("Erna Schulz" if not account
                                                                             else "Erna Muster",
                                                                             erna.phone, exchange.pk)
    assert call.status == Status.SENT  # on the coordinators' call list
    assert mail.outbox == []
    _subject, read_out, _html = render(call, "call")
    assert "Lena (15 Jahre) möchte Ihnen bei „Laub rechen“ helfen" in read_out
    assert "Sollen wir zusagen?" in read_out and "http" not in read_out


def test_an_accepted_teen_hears_where_when_and_with_whom_and_the_provider_who_accepted_nothing(
    confirmed, provider, lena
):
    assert channels("application.accepted", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(kind="application.accepted", user=provider.user).exists()
    message = rows(kind="application.accepted", user=lena.user, channel=Channel.EMAIL).get()
    subject, text, _html = render(message, "email")
    assert subject == "Zusage: Du hast den Auftrag „Laub rechen“"
    assert STREET in text and PROVIDER_PHONE in text and "Hildegard Muster" in text
    assert "11:00–12:00 Uhr" in text and "8,00 € pro Stunde" in text


def test_when_a_coordinator_makes_the_match_the_provider_hears_it_too(
    exchange, coordinator, lena, django_capture_on_commit_callbacks
):
    erna = phone_provider(exchange, account=False)
    job = job_create(provider=erna, by=coordinator, data=job_data())
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create_direct(job=job, teen=lena, by=coordinator)
    call = rows(kind="application.accepted", channel=Channel.CALL).get()
    assert call.recipient_phone == erna.phone
    _subject, read_out, _html = render(call, "call")
    assert "Lena Beispiel hilft Ihnen bei „Laub rechen“" in read_out
    assert channels("application.accepted", lena.user) == {Channel.EMAIL, Channel.INAPP}


def test_the_parent_of_a_minor_is_told_what_where_when_and_with_whom(confirmed, lena):
    parent = rows(kind="parent.job_confirmed").get()
    assert (parent.user_id, parent.channel, parent.recipient_email) == (None, Channel.EMAIL, "eltern@example.org")
    assert parent.status == Status.SENT  # at the accept, before the fixture cleared the outbox
    subject, text, _html = render(parent, "email")
    assert subject.startswith("Lena hat einen Einsatz zugesagt: Samstag")
    assert "Guten Tag Eva Beispiel," in text
    for fact in ("Laub rechen", STREET, "52349 Düren", "Hildegard Muster", PROVIDER_PHONE, "11:00–12:00 Uhr"):
        assert fact in text
    assert "/nachrichten/abbestellen/" not in text


def test_the_parent_email_goes_out_at_the_accept(open_job, provider, lena, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(job=open_job, teen=lena)
        application_accept(application=application, by=provider.user)
    assert len(mail_to("eltern@example.org")) == 1


def test_the_parent_reads_in_the_language_of_her_child(open_job, provider, lena, django_capture_on_commit_callbacks):
    lena.user.language = "en"
    lena.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(job=open_job, teen=lena)
        application_accept(application=application, by=provider.user)
    [message] = mail_to("eltern@example.org")
    assert message.subject.startswith("Lena has agreed to a job: Saturday")
    assert "With: Hildegard Muster" in message.body


def test_no_parent_information_for_an_adult(exchange, open_job, provider, django_capture_on_commit_callbacks):
    jonas = make_teen(exchange, age=19, first_name="Jonas", email="jonas@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(job=open_job, teen=jonas)
        application_accept(application=application, by=provider.user)
    assert channels("application.accepted", jonas.user) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(kind="parent.job_confirmed").exists()


def test_a_declined_teen_is_told_kindly(open_job, provider, lena, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(job=open_job, teen=lena)
        application_decline(application=application, by=provider.user)
    assert channels("application.declined", lena.user) == {Channel.EMAIL, Channel.INAPP}
    [message] = mail_to("lena@example.org")
    assert message.subject == "Absage: Laub rechen" and "nicht an dir" in message.body


def test_the_other_applicants_hear_that_the_job_is_filled(
    exchange, open_job, provider, lena, django_capture_on_commit_callbacks
):
    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        first = application_create(job=open_job, teen=lena)
        application_create(job=open_job, teen=mia)
        application_accept(application=first, by=provider.user)
    assert channels("application.closed", mia.user) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(kind="application.closed", user=lena.user).exists()
    [message] = mail_to("mia@example.org")
    assert message.subject == "Schon vergeben: Laub rechen"


def test_pending_applications_of_an_expired_job_are_closed_with_a_message(
    open_job, lena, django_capture_on_commit_callbacks
):
    application_create(job=open_job, teen=lena)
    with django_capture_on_commit_callbacks(execute=True):
        jobs_expire(now=open_job.starts_at + timedelta(minutes=1))
    closed = rows(kind="application.closed", user=lena.user, channel=Channel.EMAIL).get()
    assert closed.context["reason"] == "expired"
    assert mail_to("lena@example.org")[0].subject == "Abgelaufen: Laub rechen"


# --- changes and cancellations ------------------------------------------------------------

def test_a_new_time_reaches_the_helper_her_parent_the_applicants_and_the_provider(
    exchange, open_job, provider, coordinator, lena, django_capture_on_commit_callbacks
):
    open_job.helpers_needed = 2
    open_job.save()
    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create_direct(job=open_job, teen=lena, by=coordinator)
        application_create(job=open_job, teen=mia)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        job_update(job=open_job, by=coordinator, data={"starts_at": saturday(13), "ends_at": saturday(14)})

    assert channels("job.changed", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert channels("job.changed", mia.user) == {Channel.EMAIL, Channel.INAPP}
    assert channels("job.changed", provider.user) == {Channel.EMAIL, Channel.INAPP}
    helper = mail_to("lena@example.org")[0]
    assert helper.subject == "Geändert: Laub rechen"
    assert "Wann (neu): Samstag" in helper.body and "13:00–14:00 Uhr" in helper.body and STREET in helper.body
    applicant = mail_to("mia@example.org")[0]
    assert "13:00–14:00 Uhr" in applicant.body and STREET not in applicant.body
    parent = rows(kind="parent.job_confirmed", context__changed=True).get()
    assert parent.recipient_email == "eltern@example.org" and "13:00" in render(parent, "email")[1]


def test_saving_a_job_unchanged_tells_nobody(confirmed, provider, django_capture_on_commit_callbacks):
    job = confirmed.job
    with django_capture_on_commit_callbacks(execute=True):
        job_update(job=job, by=provider.user, data={"starts_at": job.starts_at, "ends_at": job.ends_at,
                                                    "street": job.street, "title": "Laub rechen im Vorgarten"})
    assert not rows(kind="job.changed").exists() and mail.outbox == []


def test_a_provider_who_changes_her_own_job_is_not_told_about_it(confirmed, provider, lena):
    job_update(job=confirmed.job, by=provider.user, data={"starts_at": saturday(13), "ends_at": saturday(14)})
    assert rows(kind="job.changed", user=lena.user).exists()
    assert not rows(kind="job.changed", user=provider.user).exists()


def test_a_cancelled_job_reaches_helper_parent_and_applicants_but_not_the_provider_who_cancelled(
    exchange, confirmed, provider, lena, django_capture_on_commit_callbacks
):
    job = confirmed.job
    Job.objects.filter(pk=job.pk).update(helpers_needed=2, status=JobStatus.OPEN)
    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    application_create(job=job, teen=mia)
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=job, by=provider.user, reason="Ich bin krank.")
    assert channels("job.cancelled", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert channels("job.cancelled", mia.user) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(kind="job.cancelled", user=provider.user).exists()
    parent = mail_to("eltern@example.org")[0]
    assert parent.subject == "Abgesagt: Laub rechen" and "Lena muss nicht hingehen" in parent.body
    assert "Grund: Ich bin krank." in mail_to("lena@example.org")[0].body


def test_a_job_a_coordinator_cancels_is_told_to_the_provider(
    exchange, coordinator, lena, django_capture_on_commit_callbacks
):
    erna = phone_provider(exchange, account=False)
    job = job_create(provider=erna, by=coordinator, data=job_data())
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=job, by=coordinator, reason="Unwetter")
    call = rows(kind="job.cancelled", channel=Channel.CALL).get()
    assert "Ihr Auftrag „Laub rechen“ ist abgesagt" in render(call, "call")[1]


def test_a_teen_who_calls_off_is_reported_to_the_provider_and_her_parent(
    confirmed, provider, lena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment_cancel(assignment=confirmed, by=lena.user, reason="Klassenfahrt")
    assert channels("assignment.cancelled", provider.user) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(kind="assignment.cancelled", user=lena.user).exists()
    assert rows(kind="assignment.cancelled", recipient_email="eltern@example.org").exists()
    message = mail_to("hildegard@example.org")[0]
    assert "Lena Beispiel kann leider doch nicht kommen" in message.body and "Grund: Klassenfahrt" in message.body


# --- reminders ----------------------------------------------------------------------------

def test_the_day_before_both_sides_are_reminded_once(confirmed, provider, lena, django_capture_on_commit_callbacks):
    day_before = (timezone.localtime(confirmed.starts_at) - timedelta(days=1)).replace(hour=16, minute=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert events.reminders_day_before_send(now=day_before) == 1
        assert events.reminders_day_before_send(now=day_before + timedelta(hours=1)) == 0
    assert channels("assignment.reminder", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert channels("assignment.reminder", provider.user) == {Channel.EMAIL, Channel.INAPP}
    assert mail_to("lena@example.org")[0].subject == "Morgen: Laub rechen"
    assert "Morgen kommt Lena Beispiel zu Ihnen" in mail_to("hildegard@example.org")[0].body


def test_two_hours_before_both_sides_are_reminded_once_and_a_phone_provider_is_not_called(
    exchange, coordinator, lena, django_capture_on_commit_callbacks
):
    erna = phone_provider(exchange, account=True)
    job = job_create(provider=erna, by=coordinator, data=job_data())
    assignment = assignment_create_direct(job=job, teen=lena, by=coordinator)
    soon = assignment.starts_at - timedelta(hours=1, minutes=50)
    with django_capture_on_commit_callbacks(execute=True):
        assert events.reminders_two_hours_send(now=soon) == 1
        assert events.reminders_two_hours_send(now=soon + timedelta(minutes=10)) == 0
    reminders = rows(kind="assignment.reminder")
    assert set(reminders.filter(user=lena.user).values_list("channel", flat=True)) == {Channel.EMAIL, Channel.INAPP}
    assert set(reminders.filter(user=erna.user).values_list("channel", flat=True)) == {Channel.INAPP}
    assert all(n.context["reminder"] == "two_hours" for n in reminders)
    assert mail_to("lena@example.org")[-1].subject == "In zwei Stunden: Laub rechen"


def test_a_match_confirmed_within_the_last_two_hours_needs_no_reminder(confirmed):
    Assignment.objects.filter(pk=confirmed.pk).update(created_at=confirmed.starts_at - timedelta(hours=1))
    assert events.reminders_two_hours_send(now=confirmed.starts_at - timedelta(minutes=30)) == 0


def test_an_sms_to_a_minor_at_nine_in_the_evening_waits_for_eight_in_the_morning(
    confirmed, lena, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=lena.user, kind="assignment.reminder", channel=Channel.SMS, enabled=True)
    evening = (timezone.localtime(confirmed.starts_at) - timedelta(days=1)).replace(hour=21, minute=0)
    with django_capture_on_commit_callbacks(execute=True):
        events.reminders_day_before_send(now=evening)
    sms = rows(kind="assignment.reminder", user=lena.user, channel=Channel.SMS).get()
    assert sms.recipient_is_minor and sms.recipient_phone == "0151 1111111"
    assert sms.status == Status.PENDING
    assert sms.not_before == datetime.combine(evening.date() + timedelta(days=1), time(8), tzinfo=BERLIN)
    email = rows(kind="assignment.reminder", user=lena.user, channel=Channel.EMAIL).get()
    assert (email.not_before, email.status) == (None, Status.SENT)


def test_an_offer_by_sms_at_nine_in_the_evening_waits_for_a_minor_and_not_for_an_adult(
    exchange, provider, lena
):
    jonas = make_teen(exchange, age=19, first_name="Jonas", email="jonas@example.org", phone="0151 2222222")
    for teen in (lena, jonas):
        Preference.objects.create(user=teen.user, kind="job.new_fitting", channel=Channel.SMS, enabled=True)
    job = job_create(provider=provider, by=provider.user, data=job_data())  # in review: nobody hears yet
    Job.objects.filter(pk=job.pk).update(status=JobStatus.OPEN, published_at=timezone.now())
    evening = timezone.localtime().replace(hour=21, minute=0, second=0, microsecond=0)

    events.job_opened(job=job, now=evening)

    lena_sms = rows(kind="job.new_fitting", user=lena.user, channel=Channel.SMS).get()
    assert lena_sms.not_before == datetime.combine(evening.date() + timedelta(days=1), time(8), tzinfo=BERLIN)
    assert rows(kind="job.new_fitting", user=jonas.user, channel=Channel.SMS).get().not_before is None
    assert rows(kind="job.new_fitting", user=lena.user, channel=Channel.EMAIL).get().not_before is None


def test_no_sms_without_her_choice(confirmed, lena):
    events.reminders_day_before_send(now=confirmed.starts_at - timedelta(hours=20))
    assert channels("assignment.reminder", lena.user) == {Channel.EMAIL, Channel.INAPP}


# --- after the job ------------------------------------------------------------------------

def test_after_the_job_the_provider_is_asked_first_and_the_teen_once_it_is_confirmed(
    confirmed, provider, lena, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Assignment.objects.filter(pk=confirmed.pk).update(starts_at=now - timedelta(hours=3),
                                                      ends_at=now - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert events.feedback_requests_send(now=now) == 1
    asked = rows(kind="feedback.requested", user=provider.user, channel=Channel.EMAIL).get()
    assert f"/einsatz/{confirmed.pk}/bestaetigen/" in mail_to("hildegard@example.org")[0].body
    assert "/nachrichten/abbestellen/" in render(asked, "email")[1]
    assert not rows(kind="feedback.requested", user=lena.user).exists()

    assignment_complete(assignment=Assignment.objects.get(pk=confirmed.pk), by=provider.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert events.feedback_requests_send(now=now) == 1
        assert events.feedback_requests_send(now=now) == 0
    assert channels("feedback.requested", lena.user) == {Channel.EMAIL, Channel.INAPP}
    assert mail_to("lena@example.org")[0].subject == "Wie war dein Einsatz „Laub rechen“?"


# --- verification -------------------------------------------------------------------------

def test_a_given_consent_is_confirmed_to_the_parent_with_a_revoke_link_and_told_to_the_teen(
    exchange, django_capture_on_commit_callbacks
):
    from marketplace.models import TeenStatus
    from marketplace.services.consent import consent_request

    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING, email="lena@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        consent = consent_request(teen=teen)
    request = rows(kind="verification.consent_requested").get()
    assert (request.channel, request.recipient_email, request.status) == (Channel.EMAIL, "eltern@example.org",
                                                                          Status.SENT)
    assert request.context["link"].startswith("/einwilligung/")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        consent_give(consent=consent, signed_name="Eva Beispiel", participation=True, data_processing=True)

    [parent] = mail.outbox  # the one e-mail of this step
    assert parent.to == ["eltern@example.org"]
    assert parent.subject == "Bestätigung: Ihre Einwilligung für Lena ist eingegangen"
    assert "Guten Tag Eva Beispiel," in parent.body and "/einwilligung-widerrufen/" in parent.body
    inbox = rows(kind="verification.consent_given", user=teen.user).get()
    assert inbox.channel == Channel.INAPP
    assert render(inbox, "inapp")[0] == "Deine Eltern haben zugestimmt"


def test_an_activated_teen_is_told_once(exchange, coordinator, django_capture_on_commit_callbacks):
    from marketplace.models import TeenStatus

    teen = make_teen(exchange, age=19, status=TeenStatus.INTAKE_PENDING, email="jonas@example.org",
                     first_name="Jonas")
    with django_capture_on_commit_callbacks(execute=True):
        teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=timezone.localdate())
        teen_verify(teen=teen, by=coordinator, decision="activate")  # nothing new
    assert channels("verification.activated", teen.user) == {Channel.EMAIL, Channel.INAPP}
    assert rows(kind="verification.activated").count() == 2
    assert mail_to("jonas@example.org")[0].subject == "Du bist freigeschaltet"


# --- to the coordination ------------------------------------------------------------------

def test_an_open_job_48_hours_before_its_start_is_reported_to_the_coordinators_once(
    exchange, open_job, coordinator, django_capture_on_commit_callbacks
):
    other = make_coordinator(exchange, email="vertretung@example.org")
    far = open_job.starts_at - timedelta(hours=60)
    assert events.unfilled_jobs_warn(now=far) == 0
    near = open_job.starts_at - timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert events.unfilled_jobs_warn(now=near) == 1
        assert events.unfilled_jobs_warn(now=near + timedelta(hours=1)) == 0
    for person in (coordinator, other):
        assert channels("coordination.unfilled_job", person) == {Channel.EMAIL, Channel.INAPP}
    message = mail_to("koordination@example.org")[0]
    assert message.subject == "Noch nicht besetzt: Laub rechen" and "noch einen freien Platz" in message.body


def test_a_filled_job_is_not_reported_as_unfilled(confirmed):
    assert events.unfilled_jobs_warn(now=confirmed.starts_at - timedelta(hours=30)) == 0


def test_every_incident_goes_to_the_coordinators_of_the_exchange(
    confirmed, coordinator, other_exchange, lena, django_capture_on_commit_callbacks
):
    outsider = make_coordinator(other_exchange, email="aachen@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        incident_report(by=lena.user, assignment=confirmed, text="Der Hund hat mich gebissen.")
    assert channels("coordination.incident", coordinator) == {Channel.EMAIL, Channel.INAPP}
    assert not rows(user=outsider).exists()
    message = mail_to("koordination@example.org")[0]
    assert message.subject == "Problemmeldung: Laub rechen"
    assert "Der Hund hat mich gebissen." in message.body and "Jugendliche" in message.body


# --- once, and only once ------------------------------------------------------------------

def test_the_same_event_is_never_sent_twice(confirmed, provider, lena, django_capture_on_commit_callbacks):
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        events.assignment_confirmed(assignment=confirmed, by=provider.user)
        events.application_created(application=Application.objects.get(pk=confirmed.application_id))
    assert Notification.objects.count() == before and mail.outbox == []


def test_a_provider_who_prefers_sms_gets_an_sms_and_no_email(
    exchange, coordinator, lena, django_capture_on_commit_callbacks
):
    provider = make_provider(exchange, email="sms@example.org")
    provider.contact_preference = ContactPreference.SMS
    provider.save()
    job = job_create(provider=provider, by=coordinator, data=job_data())
    with django_capture_on_commit_callbacks(execute=True):
        application_create(job=job, teen=lena)
    assert channels("application.new", provider.user) == {Channel.SMS, Channel.INAPP}
    sms = rows(kind="application.new", channel=Channel.SMS).get()
    assert (sms.recipient_phone, sms.status, sms.not_before) == (PROVIDER_PHONE, Status.SENT, None)
    assert mail.outbox == []


# --- the texts ----------------------------------------------------------------------------

def test_every_kind_has_its_four_texts_in_german_and_english():
    for kind in KINDS:
        for name in ("subject.txt", "body.txt", "body.html", "short.txt"):
            get_template(f"notifications/{kind}/{name}")


AUDIENCES = {
    "job.new_fitting": ["teen"], "job.digest": ["teen"], "application.new": ["provider"],
    "application.accepted": ["teen", "provider"], "application.declined": ["teen"],
    "application.closed": ["teen"], "job.changed": ["teen", "provider"],
    "job.cancelled": ["teen", "provider", "parent"], "assignment.reminder": ["teen", "provider"],
    "assignment.cancelled": ["teen", "provider", "parent"], "parent.job_confirmed": ["parent"],
    "feedback.requested": ["teen", "provider"], "verification.consent_requested": ["parent"],
    "verification.consent_given": ["teen", "parent"], "verification.activated": ["teen"],
    "coordination.unfilled_job": ["coordinator"], "coordination.incident": ["coordinator"],
    "broadcast": ["teen"],
}


def sample_context(audience: str) -> dict:
    return {"audience": audience, "job_id": 1, "job_title": "Laub rechen", "category": "Garten",
            "postcode": "52349", "place": "Düren", "street": STREET,
            "starts_at": "2027-03-13T11:00:00+01:00", "ends_at": "2027-03-13T12:00:00+01:00",
            "hourly_rate": "8.00", "provider_name": "Hildegard Muster", "provider_phone": PROVIDER_PHONE,
            "teen_name": "Lena", "teen_full_name": "Lena Beispiel", "teen_age": 15, "count": 2,
            "jobs": [{"job_title": "Laub rechen", "place": "Düren", "starts_at": "2027-03-13T11:00:00+01:00",
                      "ends_at": "2027-03-13T12:00:00+01:00", "url": "/jugendliche/auftraege/1/"}],
            "places_left": 1, "applications_pending": 0, "text": "Ein Problem", "reminder": "day",
            "link": "/einwilligung/x/", "revoke_link": "/einwilligung-widerrufen/x/", "title": "",
            "message": "Hallo", "url": "/start/", "exchange_name": "Taschengeldbörse Kreis Düren",
            "given_at": "2027-03-01T10:00:00+01:00", "expires_at": "2027-03-15T10:00:00+01:00",
            "max_hours_per_day": "2.00", "max_hours_per_week": "10.00", "reason": "filled"}


@pytest.mark.parametrize("kind", sorted(AUDIENCES))
def test_every_kind_reads_differently_in_english_for_each_of_its_audiences(kind):
    assert set(AUDIENCES) == set(KINDS)
    for audience in AUDIENCES[kind]:
        texts = {}
        for language in ("de", "en"):
            n = Notification(kind=kind, channel=Channel.EMAIL, language=language, context=sample_context(audience),
                             recipient_name="Lena", key="x")
            subject, text, html = render(n, "email")
            _s, short, _h = render(n, "inapp")
            assert subject and text.strip() and "<p>" in html and short, (kind, audience, language)
            texts[language] = (subject, text, short)
        if kind != "broadcast":  # a broadcast is the coordinator's own words
            assert texts["de"][0] != texts["en"][0], (kind, audience, "subject not translated")
            assert texts["de"][2] != texts["en"][2], (kind, audience, "short text not translated")
        assert "Uhr" not in texts["en"][1] and "Guten Tag" not in texts["en"][1], (kind, audience)


def test_the_engine_ranks_teens_with_fewer_offers_this_week_first(exchange, lena, provider, coordinator):
    from marketplace.matching_adapter import teen_queryset, teens_to_engine

    mia = make_teen(exchange, age=16, first_name="Mia", email="mia@example.org")
    for job_id in (1, 2):
        for channel in (Channel.EMAIL, Channel.INAPP):
            Notification.objects.create(user=lena.user, kind="job.new_fitting", channel=channel,
                                        context={"job_id": job_id},
                                        key=f"job.new_fitting:{job_id}:u{lena.user_id}:{channel}")
    teens = {t.id: t for t in teens_to_engine(list(teen_queryset().filter(pk__in=[lena.pk, mia.pk])))}
    assert teens[lena.pk].history.recent_notifications == 2  # two jobs, whatever the channels
    assert teens[mia.pk].history.recent_notifications == 0


def test_the_teen_sees_when_the_consent_email_left(client, exchange, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from marketplace.models import TeenStatus
    from marketplace.services.consent import consent_request

    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    client.force_login(teen.user)
    consent_request(teen=teen)  # written, not sent yet (no commit)
    assert "Zuletzt verschickt" not in client.get(reverse("teen_profile")).content.decode()
    Notification.objects.filter(kind="verification.consent_requested").update(
        status=Status.SENT, sent_at=timezone.now())
    assert "Zuletzt verschickt am" in client.get(reverse("teen_profile")).content.decode()
