"""DESIGN section 8 on the web pages, with five personas around one confirmed match: the
provider, another provider, the teen who applied and got the job, a teen who did not apply,
and a coordinator of another exchange. The job's street and the two sides' phone numbers
appear only where the section allows them."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.services.jobs import application_accept, application_create, job_create
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
STREET = "Kölnstraße 1"
PROVIDER_PHONE = "02421 123456"
TEEN_PHONE = "0151 7654321"


def next_saturday(hour):
    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


@pytest.fixture
def match(exchange, other_exchange):
    provider = make_provider(exchange, email="hilde@example.org")
    coordinator = make_coordinator(exchange)
    lena = make_teen(exchange, age=16, first_name="Lena", phone=TEEN_PHONE, email="lena@example.org")
    job = job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": "Laub rechen", "starts_at": next_saturday(11),
        "ends_at": next_saturday(12), "hourly_rate": Decimal("8.00")})
    assignment = application_accept(application=application_create(job=job, teen=lena), by=provider.user)
    return {
        "job": job, "assignment": assignment,
        "provider": provider.user, "lena": lena.user,
        "other_provider": make_provider(exchange, email="other@example.org", first_name="Irmgard").user,
        "bystander_teen": make_teen(exchange, age=16, first_name="Jonas", email="jonas@example.org").user,
        "foreign_coordinator": make_coordinator(other_exchange),
        "own_coordinator": coordinator,
    }


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_the_provider_sees_the_teens_contact_and_her_own_address(client, match):
    status, html = page(client, match["provider"], reverse("provider_job", args=[match["job"].pk]))
    assert status == 200
    assert TEEN_PHONE in html and "lena@example.org" in html


def test_the_teen_with_the_match_sees_the_street_and_the_providers_phone(client, match):
    status, html = page(client, match["lena"], reverse("teen_assignments"))
    assert status == 200
    assert STREET in html and PROVIDER_PHONE in html
    status, html = page(client, match["lena"], reverse("teen_job", args=[match["job"].pk]))
    assert status == 200 and STREET in html


def test_another_provider_sees_nothing_of_the_job(client, match):
    user = match["other_provider"]
    assert page(client, user, reverse("provider_job", args=[match["job"].pk]))[0] == 404
    status, html = page(client, user, reverse("provider_jobs"))
    assert status == 200 and "Laub rechen" not in html
    for name in ("assignment_complete", "assignment_feedback", "assignment_cancel"):
        assert page(client, user, reverse(name, args=[match["assignment"].pk]))[0] == 404


def test_a_teen_who_did_not_apply_never_sees_the_street_or_phones(client, match):
    user = match["bystander_teen"]
    for url in (reverse("teen_job", args=[match["job"].pk]), reverse("teen_feed"),
                reverse("teen_assignments"), reverse("teen_applications")):
        status, html = page(client, user, url)
        assert status in (200, 404), url
        assert STREET not in html and PROVIDER_PHONE not in html and TEEN_PHONE not in html, url
    assert page(client, user, reverse("assignment_feedback", args=[match["assignment"].pk]))[0] == 404
    assert page(client, user, reverse("provider_job", args=[match["job"].pk]))[0] in (403, 404)


def test_a_coordinator_of_another_exchange_does_not_know_the_job_exists(client, match):
    user = match["foreign_coordinator"]
    assert page(client, user, reverse("coordinator_job", args=[match["job"].pk]))[0] == 404
    status, html = page(client, user, reverse("coordinator_jobs"))
    assert status == 200 and "Laub rechen" not in html and STREET not in html
    assert page(client, user, reverse("assignment_cancel", args=[match["assignment"].pk]))[0] == 404


def test_the_own_coordinator_sees_both_sides(client, match):
    status, html = page(client, match["own_coordinator"], reverse("coordinator_job", args=[match["job"].pk]))
    assert status == 200
    assert STREET in html and PROVIDER_PHONE in html and TEEN_PHONE in html


def test_before_acceptance_the_provider_sees_the_applicant_pseudonymously(client, exchange):
    provider = make_provider(exchange, email="hilde@example.org")
    coordinator = make_coordinator(exchange)
    mia = make_teen(exchange, age=15, first_name="Mia", phone=TEEN_PHONE, email="mia@example.org",
                    postcode="52372", radius_km=10)
    job = job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": "Laub rechen", "starts_at": next_saturday(11),
        "ends_at": next_saturday(12), "hourly_rate": Decimal("8.00")})
    application_create(job=job, teen=mia)
    status, html = page(client, provider.user, reverse("provider_job", args=[job.pk]))
    assert status == 200 and "Mia" in html
    assert "Beispiel" not in html  # her surname (make_teen)
    assert TEEN_PHONE not in html and "mia@example.org" not in html
    assert "52372" not in html and "Kreuzau" not in html  # where she lives
