"""The certificate pages: the coordinator's from the teen's page, the teen's own. Personas: the
coordinator of the teen's exchange, the teen herself, another teen, a provider, a coordinator of
another exchange (404: she must not learn that the teen exists)."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import AssignmentStatus, TeenProfile, TeenStatus
from tests.factories import UserFactory, make_coordinator, make_provider, make_teen, years_ago
from tests.services.test_certificate import days_ago, finished_job, named, pdf_text

from .helpers import tags

pytestmark = pytest.mark.django_db

TEEN_URL = reverse("teen_certificate")


def coordinator_url(teen):
    return reverse("coordinator_teen_certificate", args=[teen.pk])


def period(start, end):
    return {"start": start.isoformat(), "end": end.isoformat()}


@pytest.fixture
def provider(exchange):
    return make_provider(exchange)


@pytest.fixture
def ayse(exchange, provider):
    """Ayşe Yılmaz with two done jobs in the last months."""
    teen = named(make_teen(exchange, age=17), "Ayşe", "Yılmaz")
    finished_job(teen, provider, day=days_ago(40), category="garden", title="Laub rechen", minutes=90)
    finished_job(teen, provider, day=days_ago(20), category="pets", title="Hund ausführen", minutes=60)
    return teen


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


def assert_pdf_download(response, *, filename: str):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    ascii_part = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_part.isascii()
    utf8_part = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(utf8_part) == filename
    assert "no-store" in response["Cache-Control"], "a minor's data must not stay in caches"
    return ascii_part


# --- the coordinator -------------------------------------------------------------------------


def test_the_coordinator_sees_a_form_with_the_last_twelve_months(client, coordinator, ayse):
    client.force_login(coordinator)

    response = client.get(coordinator_url(ayse))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nachweis für Bewerbungen" in html and "Ayşe Yılmaz" in html
    assert "Bisher 2 erledigte Einsätze" in html
    inputs = {a["name"]: a for a in tags(html, "input") if a.get("name") in ("start", "end")}
    today = timezone.localdate()
    assert inputs["end"]["value"] == today.isoformat()
    assert inputs["start"]["value"] == (years_ago(1) + timedelta(days=1)).isoformat()
    labels = {a.get("for") for a in tags(html, "label")}
    assert {inputs["start"]["id"], inputs["end"]["id"]} <= labels


def test_the_coordinator_downloads_the_certificate_and_it_is_on_record(client, coordinator, ayse, exchange):
    client.force_login(coordinator)
    start, end = days_ago(100), days_ago(1)

    response = client.post(coordinator_url(ayse), period(start, end))

    ascii_name = assert_pdf_download(response, filename=f"Nachweis-Ayşe-Yılmaz-{start}-{end}.pdf")
    assert ascii_name == f"Nachweis-Ayse-Yilmaz-{start}-{end}.pdf"
    text = pdf_text(response.content)
    assert "Ayşe Yılmaz" in text and "Laub rechen" in text and "Hund ausführen" in text
    assert "Insgesamt: 2 Einsätze, 2,5 Stunden" in text
    entry = AuditEntry.objects.get(action="marketplace.teen.certificate_issued")
    assert (entry.actor, entry.subject_user_id, entry.exchange_id) == (coordinator, ayse.user_id, exchange.pk)
    assert (entry.data["start"], entry.data["end"]) == (start.isoformat(), end.isoformat())


def test_a_period_without_done_jobs_shows_a_german_error_and_no_pdf(client, coordinator, ayse):
    client.force_login(coordinator)

    response = client.post(coordinator_url(ayse), period(days_ago(10), days_ago(1)))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Im gewählten Zeitraum gibt es keine erledigten Einsätze." in response.content.decode()
    assert not AuditEntry.objects.filter(action="marketplace.teen.certificate_issued").exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"start": "2024-05-01", "end": "2024-04-01"}, "end", "Das Ende darf nicht vor dem Beginn liegen."),
    ({"start": "2001-01-01", "end": "2024-04-01"}, "start", "Der Zeitraum darf höchstens 5 Jahre umfassen."),
    ({"start": "gestern", "end": "2024-04-01"}, "start", "Bitte ein Datum wie 24.12.2010 angeben."),
    ({"start": "", "end": "2024-04-01"}, "start", "Bitte ausfüllen."),
])
def test_a_bad_period_is_explained_next_to_the_field(client, coordinator, ayse, data, field, message):
    client.force_login(coordinator)

    response = client.post(coordinator_url(ayse), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()


def test_an_end_in_the_future_is_capped_to_today(client, coordinator, ayse):
    client.force_login(coordinator)
    start, today = days_ago(100), timezone.localdate()

    response = client.post(coordinator_url(ayse), period(start, today + timedelta(days=30)))

    assert_pdf_download(response, filename=f"Nachweis-Ayşe-Yılmaz-{start}-{today}.pdf")


def test_a_teen_without_done_jobs_gets_no_form_but_an_explanation(client, coordinator, exchange):
    newcomer = make_teen(exchange, first_name="Nele")
    client.force_login(coordinator)

    response = client.get(coordinator_url(newcomer))

    assert response.status_code == 200
    assert "noch keinen Einsatz" in response.content.decode()
    assert not [a for a in tags(response.content.decode(), "input") if a.get("name") == "start"]


def test_a_coordinator_of_another_exchange_gets_404(client, other_exchange, ayse):
    client.force_login(make_coordinator(other_exchange))

    assert client.get(coordinator_url(ayse)).status_code == 404
    assert client.post(coordinator_url(ayse), period(days_ago(100), days_ago(1))).status_code == 404
    assert not AuditEntry.objects.filter(action="marketplace.teen.certificate_issued").exists()


def test_teens_and_providers_cannot_use_the_coordinators_page(client, ayse, provider):
    for user in (ayse.user, provider.user):
        client.force_login(user)
        assert client.get(coordinator_url(ayse)).status_code == 403
        assert client.post(coordinator_url(ayse), period(days_ago(100), days_ago(1))).status_code == 403


def test_a_visitor_is_sent_to_the_login(client, ayse):
    for url in (coordinator_url(ayse), TEEN_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the teen herself --------------------------------------------------------------------------


def test_the_teen_downloads_her_own_certificate(client, ayse, exchange):
    client.force_login(ayse.user)
    start, end = days_ago(100), days_ago(1)

    page = client.get(TEEN_URL)
    response = client.post(TEEN_URL, period(start, end))

    assert page.status_code == 200 and "Du hast bisher 2 Einsätze erledigt" in page.content.decode()
    assert_pdf_download(response, filename=f"Nachweis-Ayşe-Yılmaz-{start}-{end}.pdf")
    text = pdf_text(response.content)
    assert "Ayşe Yılmaz" in text and "Insgesamt: 2 Einsätze, 2,5 Stunden" in text
    assert AuditEntry.objects.get(action="marketplace.teen.certificate_issued").actor == ayse.user


def test_another_teen_gets_only_her_own_jobs_never_ayses(client, exchange, provider, ayse):
    jonas = make_teen(exchange, first_name="Jonas")
    finished_job(jonas, provider, day=days_ago(30), title="Fahrrad putzen")
    client.force_login(jonas.user)

    response = client.post(TEEN_URL, period(days_ago(100), days_ago(1)))

    text = pdf_text(response.content)
    assert "Jonas Beispiel" in text and "Fahrrad putzen" in text
    assert "Ayşe" not in text and "Laub rechen" not in text and "Hund ausführen" not in text
    # Whatever she sends, there is no id to swap: the page is always her own.
    response = client.post(f"{TEEN_URL}?teen={ayse.pk}", {**period(days_ago(100), days_ago(1)), "teen": ayse.pk})
    assert "Ayşe" not in pdf_text(response.content)


def test_a_teen_without_done_jobs_learns_when_she_can_have_one(client, exchange, provider):
    teen = make_teen(exchange, first_name="Nele")
    finished_job(teen, provider, day=days_ago(3), title="Nie erschienen", status=AssignmentStatus.NO_SHOW)
    client.force_login(teen.user)

    response = client.get(TEEN_URL)

    assert response.status_code == 200
    assert "Du hast noch keinen Einsatz erledigt" in response.content.decode()
    response = client.post(TEEN_URL, period(days_ago(30), days_ago(1)))
    assert "Im gewählten Zeitraum gibt es keine erledigten Einsätze." in response.content.decode()


@pytest.mark.parametrize("status", [TeenStatus.PAUSED, TeenStatus.AGED_OUT, TeenStatus.SUSPENDED])
def test_her_history_stays_hers_when_she_is_no_longer_active(client, ayse, status):
    TeenProfile.objects.filter(pk=ayse.pk).update(status=status)
    client.force_login(ayse.user)

    response = client.post(TEEN_URL, period(days_ago(100), days_ago(1)))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_teen_account_without_a_profile_has_no_certificate_page(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get(TEEN_URL).status_code == 404
    assert not TeenProfile.objects.filter(user=user).exists(), "visiting the page creates no profile"


def test_providers_and_coordinators_cannot_use_the_teens_page(client, provider, coordinator, ayse):
    for user in (provider.user, coordinator):
        client.force_login(user)
        assert client.get(TEEN_URL).status_code == 403
        assert client.post(TEEN_URL, period(days_ago(100), days_ago(1))).status_code == 403


def test_the_teen_finds_the_certificate_from_her_past_jobs(client, ayse):
    client.force_login(ayse.user)

    html = client.get(reverse("teen_assignments")).content.decode()

    assert any(a.get("href") == TEEN_URL for a in tags(html, "a"))


def test_a_teen_outside_every_exchange_is_told_there_is_nothing_to_certify(client, exchange):
    teen = make_teen(exchange, first_name="Nele")
    TeenProfile.objects.filter(pk=teen.pk).update(exchange=None)
    client.force_login(teen.user)

    response = client.get(TEEN_URL)

    assert response.status_code == 200
    assert "Du hast noch keinen Einsatz erledigt" in response.content.decode()
