"""The teen's profile page: complete it on the web, get clear German errors, store nothing
when anything is wrong, and never see another teen's data."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from marketplace.models import AvailabilitySlot, TeenProfile, TeenStatus
from marketplace.services.teens import SELF_PAUSE_REASON
from tests.factories import UserFactory, make_coordinator, make_provider, make_teen, years_ago

pytestmark = pytest.mark.django_db

URL = reverse("teen_profile")


def rows(prefix, fields, *values, initial=0):
    """Formset data: management form plus one row per tuple of values."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(values)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(values):
        for field, value in zip(fields, row, strict=True):
            data[f"{prefix}-{index}-{field}"] = value
    return data


def profile_post(*, age=15, availability=(("0", "14:00", "16:00"), ("", "", "")),
                 absences=(("", ""),), **overrides):
    data = {
        "first_name": "Mia", "last_name": "Sommer",
        "birth_date": (years_ago(age) - timedelta(days=30)).isoformat(),
        "in_compulsory_school": "1", "postcode": "52349", "radius_km": "5", "phone": "",
        "parent_name": "Eva Sommer", "parent_email": "eva.sommer@example.org",
        **rows("availability", ("weekday", "start", "end"), *availability),
        **rows("absences", ("start", "end"), *absences),
    }
    data.update(overrides)
    return data


@pytest.fixture
def teen_client(client, exchange):
    user = UserFactory(role=Role.TEEN, email="mia@example.org")
    client.force_login(user)
    client.user = user
    return client


def assert_nothing_stored(user):
    teen = TeenProfile.objects.get(user=user)
    assert (teen.first_name, teen.birth_date, teen.postcode_id, teen.status) == (
        "", None, None, TeenStatus.INCOMPLETE)
    assert not AvailabilitySlot.objects.filter(teen=teen).exists()


def form_errors(response, field):
    return response.context["forms"].form.errors.get(field, [])


def test_a_new_teen_sees_an_empty_profile_form_with_empty_time_rows(teen_client):
    response = teen_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="availability-0-weekday"' in html
    assert "Montag" in html and "22:00" in html
    assert "Gib zuerst deine Postleitzahl an" in html  # no exchange yet, so no categories


def test_a_minor_completes_her_profile_and_her_parent_gets_the_consent_email(
    teen_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = teen_client.post(URL, profile_post(age=15))
    assert response.status_code == 302
    teen = TeenProfile.objects.get(user=teen_client.user)
    assert teen.status == TeenStatus.CONSENT_PENDING
    assert teen.postcode_id == "52349" and teen.exchange is not None
    assert list(teen.availability.values_list("weekday", "start", "end")) == [(0, time(14), time(16))]
    assert [m.to for m in mail.outbox] == [["eva.sommer@example.org"]]


def test_an_18_year_old_needs_no_parent_and_waits_for_the_intake_talk(teen_client):
    response = teen_client.post(URL, profile_post(age=18, parent_name="", parent_email=""))
    assert response.status_code == 302
    teen = TeenProfile.objects.get(user=teen_client.user)
    assert teen.status == TeenStatus.INTAKE_PENDING
    assert mail.outbox == []


def test_once_her_exchange_is_known_she_can_pick_its_categories(teen_client):
    teen_client.post(URL, profile_post(age=18, parent_name="", parent_email=""))
    response = teen_client.get(URL)
    assert 'value="garden"' in response.content.decode()
    data = profile_post(age=18, parent_name="", parent_email="", interests=["garden", "pets"])
    assert teen_client.post(URL, data).status_code == 302
    teen = TeenProfile.objects.get(user=teen_client.user)
    assert sorted(teen.interests.values_list("slug", flat=True)) == ["garden", "pets"]


def test_an_11_year_old_gets_a_german_error_on_the_birth_date_and_nothing_is_stored(teen_client):
    response = teen_client.post(URL, profile_post(age=11))
    assert response.status_code == 200
    assert form_errors(response, "birth_date") == ["Mitmachen kannst du ab 14 Jahren; du bist 11."]
    assert 'id="id_birth_date_error"' in response.content.decode()
    assert_nothing_stored(teen_client.user)


def test_a_postcode_outside_every_exchange_is_refused_and_nothing_is_stored(teen_client):
    response = teen_client.post(URL, profile_post(postcode="10115"))
    assert response.status_code == 200
    assert form_errors(response, "postcode") == [
        "Für die Postleitzahl 10115 gibt es noch keine Taschengeldbörse."]
    assert_nothing_stored(teen_client.user)


def test_overlapping_times_on_one_day_are_refused_and_nothing_is_stored(teen_client):
    response = teen_client.post(URL, profile_post(
        availability=(("0", "14:00", "16:00"), ("0", "15:00", "17:00"))))
    assert response.status_code == 200
    errors = response.context["forms"].all_availability_errors()
    assert errors == ["Montag: Die Zeiten 14:00–16:00 und 15:00–17:00 überschneiden sich."]
    assert "überschneiden sich" in response.content.decode()
    assert_nothing_stored(teen_client.user)


def test_an_end_before_the_start_is_refused(teen_client):
    response = teen_client.post(URL, profile_post(availability=(("2", "16:00", "14:00"),)))
    assert response.status_code == 200
    assert response.context["forms"].all_availability_errors() == [
        "Mittwoch: Die Startzeit 16:00 muss vor der Endzeit 14:00 liegen."]
    assert_nothing_stored(teen_client.user)


def test_times_off_the_quarter_hour_are_refused(teen_client):
    response = teen_client.post(URL, profile_post(availability=(("1", "14:10", "16:00"),)))
    assert response.status_code == 200
    assert response.context["forms"].all_availability_errors() == [
        "Dienstag: Zeiten bitte in Viertelstunden angeben (z. B. 14:15), nicht 14:10."]
    assert_nothing_stored(teen_client.user)


def test_a_half_filled_time_row_gets_an_error_next_to_its_field(teen_client):
    response = teen_client.post(URL, profile_post(availability=(("3", "14:00", ""),)))
    assert response.status_code == 200
    row = response.context["forms"].availability.forms[0]
    assert row.errors["end"] == ["Bitte ausfüllen."]
    assert_nothing_stored(teen_client.user)


def test_a_minor_without_a_parent_gets_an_error_on_the_parent_fields(teen_client):
    response = teen_client.post(URL, profile_post(age=15, parent_name="", parent_email=""))
    assert response.status_code == 200
    assert form_errors(response, "parent_email") == [
        "Du bist noch nicht 18. Bitte gib die E-Mail-Adresse eines Elternteils an."]
    assert_nothing_stored(teen_client.user)


def test_adding_a_time_row_keeps_what_was_typed_and_stores_nothing(teen_client):
    data = profile_post(first_name="Mia", add_availability="1")
    response = teen_client.post(URL, data)
    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms.availability.total_form_count() == 3
    assert forms.form["first_name"].value() == "Mia"
    assert not forms.has_errors
    assert_nothing_stored(teen_client.user)


def test_the_form_shows_her_stored_times_and_a_removed_row_is_deleted(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.INTAKE_PENDING)
    AvailabilitySlot.objects.create(teen=teen, weekday=1, start=time(15, 30), end=time(17))
    client.force_login(teen.user)
    html = client.get(URL).content.decode()
    assert '<option value="15:30" selected>' in html
    data = profile_post(age=16, availability=(("1", "15:30", "17:00"), ("5", "10:00", "16:00")),
                        **{"availability-1-DELETE": "on", "availability-INITIAL_FORMS": "2"},
                        parent_email="eltern@example.org", parent_name="Eva Beispiel")
    response = client.post(URL, data)
    assert response.status_code == 302, response.context["forms"].form.errors
    assert list(teen.availability.values_list("weekday", "start")) == [(1, time(15, 30))]


def test_after_activation_birth_date_and_school_status_cannot_be_changed_by_the_teen(client, exchange):
    teen = make_teen(exchange, age=16)
    client.force_login(teen.user)
    data = profile_post(age=19, in_compulsory_school="0", parent_email="eltern@example.org",
                        availability=(("5", "10:00", "16:00"),))
    assert client.post(URL, data).status_code == 302
    teen.refresh_from_db()
    assert teen.age == 16 and teen.in_compulsory_school and teen.status == TeenStatus.ACTIVE


def test_a_teen_sees_only_her_own_profile(client, exchange):
    other = make_teen(exchange, first_name="Zoe", email="zoe@example.org")
    own = make_teen(exchange, first_name="Lena")
    client.force_login(own.user)
    html = client.get(URL).content.decode()
    assert 'value="Lena"' in html
    assert "Zoe" not in html and other.user.email not in html


@pytest.mark.parametrize("make_user", [
    lambda exchange: make_provider(exchange).user,
    lambda exchange: make_coordinator(exchange),
])
def test_the_teen_pages_are_forbidden_to_other_roles(client, exchange, make_user):
    client.force_login(make_user(exchange))
    assert client.get(URL).status_code == 403
    assert client.post(reverse("teen_pause"), {"paused": "1"}).status_code == 403
    assert client.post(reverse("teen_consent_resend")).status_code == 403


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_teen_asks_for_a_new_consent_email(client, exchange, django_capture_on_commit_callbacks):
    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    client.force_login(teen.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teen_consent_resend"))
    assert response.status_code == 302
    assert teen.consents.count() == 1
    assert [m.to for m in mail.outbox] == [["eltern@example.org"]]


def test_a_new_consent_email_when_none_is_needed_is_a_friendly_message(client, exchange):
    teen = make_teen(exchange, age=15)
    client.force_login(teen.user)
    response = client.post(reverse("teen_consent_resend"), follow=True)
    assert "Es wird gerade keine Einwilligung benötigt." in response.content.decode()
    assert teen.consents.count() == 0


def test_an_active_teen_takes_a_break_and_comes_back(client, exchange):
    teen = make_teen(exchange, age=16)
    client.force_login(teen.user)
    client.post(reverse("teen_pause"), {"paused": "1"})
    teen.refresh_from_db()
    assert (teen.status, teen.status_reason) == (TeenStatus.PAUSED, SELF_PAUSE_REASON)
    client.post(reverse("teen_pause"), {"paused": "0"})
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE


def test_a_teen_cannot_lift_a_suspension(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.SUSPENDED)
    client.force_login(teen.user)
    response = client.post(reverse("teen_pause"), {"paused": "0"}, follow=True)
    assert "Das geht im Status" in response.content.decode()
    teen.refresh_from_db()
    assert teen.status == TeenStatus.SUSPENDED
    assert teen.status_changed_at <= timezone.now()
