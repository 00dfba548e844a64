import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from marketplace.models import ParentalConsent, TeenStatus
from marketplace.services.consent import consent_request, consent_token
from tests.factories import PASSWORD, make_teen

from .helpers import radio, tags

pytestmark = pytest.mark.django_db


# --- home and layout ---------------------------------------------------------------------------

def test_the_home_page_speaks_to_both_audiences_and_shows_the_phone_of_the_coordination(client, exchange):
    exchange.contact_phone = "02421 22-0"
    exchange.save()
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="de"' in html
    assert f'href="{reverse("signup_teen")}"' in html
    assert f'href="{reverse("signup_provider")}"' in html
    assert "Ich möchte helfen" in html and "Ich suche Hilfe" in html
    assert "02421 22-0" in html
    assert "GeoNames" in html


def test_an_anonymous_visitor_sees_sign_in_and_both_sign_up_entries_in_the_navigation(client, db):
    html = client.get(reverse("home")).content.decode()
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert reverse("account_login") in nav
    assert reverse("signup_teen") in nav
    assert reverse("signup_provider") in nav
    assert reverse("account_data") not in nav


def _assert_no_third_party_resources(html: str):
    for tag in ("script", "link", "img"):
        for attrs in tags(html, tag):
            for attribute in ("src", "href"):
                url = attrs.get(attribute, "")
                parsed = urlparse(url)
                assert not parsed.scheme or parsed.scheme == "data", f"<{tag} {attribute}={url}>"
                assert not parsed.netloc, f"<{tag} {attribute}={url}>"


@pytest.mark.parametrize("url_name", ["home", "signup_teen", "signup_provider", "account_signup", "account_login"])
def test_no_page_loads_anything_from_another_site(client, db, url_name):
    html = client.get(reverse(url_name)).content.decode()
    assert "/static/css/site.css" in html
    assert "/static/django_htmx/htmx-2" in html
    _assert_no_third_party_resources(html)


def test_the_allauth_pages_use_our_layout(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="skip-link"' in html
    assert '<main id="main"' in html


# --- the two sign-up entries -------------------------------------------------------------------

@pytest.mark.parametrize(("url_name", "role", "other", "wording"), [
    ("signup_teen", "teen", "provider", "Du hast schon ein Konto?"),
    ("signup_provider", "provider", "teen", "Sie haben schon ein Konto?"),
])
def test_each_sign_up_entry_preselects_its_role(client, db, url_name, role, other, wording):
    response = client.get(reverse(url_name))
    html = response.content.decode()
    assert response.status_code == 200
    assert "checked" in radio(html, "role", role)
    assert "checked" not in radio(html, "role", other)
    assert wording in html


def test_the_provider_entry_uses_the_large_text_layout(client, db):
    html = client.get(reverse("signup_provider")).content.decode()
    assert '<body class="provider"' in html


@pytest.mark.parametrize(("url_name", "role"), [("signup_teen", Role.TEEN), ("signup_provider", Role.PROVIDER)])
def test_signing_up_through_an_entry_creates_an_account_with_that_role_and_sends_the_verification_mail(
    client, db, mailoutbox, url_name, role
):
    response = client.post(reverse(url_name), {
        "email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD, "role": role.value,
    })
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert user.role == role
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["neu@example.org"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_a_sign_up_without_a_role_is_refused_with_the_error_at_the_field(client, db):
    response = client.post(reverse("account_signup"), {
        "email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_role_error"' in html
    assert 'aria-describedby="id_role_error"' in html
    assert not User.objects.filter(email="neu@example.org").exists()


# --- parental consent --------------------------------------------------------------------------

@pytest.fixture
def pending_teen(exchange):
    return make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)


def _request_consent(teen, django_capture_on_commit_callbacks) -> ParentalConsent:
    with django_capture_on_commit_callbacks(execute=True):
        return consent_request(teen=teen)


def _link_in(body: str, path_prefix: str) -> str:
    match = re.search(r"https?://\S+(" + re.escape(path_prefix) + r"\S+/)", body)
    assert match, body
    return match.group(1)


def test_a_parent_consents_through_the_emailed_link_and_the_teen_moves_on_to_the_intake(
    client, pending_teen, mailoutbox, django_capture_on_commit_callbacks
):
    _request_consent(pending_teen, django_capture_on_commit_callbacks)
    assert mailoutbox[0].to == ["eltern@example.org"]
    path = _link_in(mailoutbox[0].body, "/einwilligung/")

    page = client.get(path).content.decode()
    assert "Lena" in page and "15 Jahre" in page
    assert "Höchstens 2 Stunden am Tag und 10 Stunden in der Woche" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"signed_name": "Eva Beispiel", "participation": "on",
                                      "data_processing": "on"})
    assert response.status_code == 200
    assert "Vielen Dank" in response.content.decode()
    pending_teen.refresh_from_db()
    assert pending_teen.status == TeenStatus.INTAKE_PENDING
    consent = pending_teen.consents.get()
    assert consent.signed_name == "Eva Beispiel" and consent.participation and consent.data_processing

    confirmation = mailoutbox[1]
    assert "/einwilligung-widerrufen/" in confirmation.body
    assert "bereits erteilt" in client.get(path).content.decode()


def test_consent_without_both_ticks_is_refused_with_errors_at_the_fields(
    client, pending_teen, mailoutbox, django_capture_on_commit_callbacks
):
    consent = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    path = reverse("consent_give", args=[consent_token(consent, purpose="give")])
    response = client.post(path, {"signed_name": "", "participation": "on"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_signed_name_error"' in html
    assert 'id="id_data_processing_error"' in html
    assert 'aria-invalid="true"' in html
    assert "Ohne Ihre Zustimmung zur Datenverarbeitung" in html
    pending_teen.refresh_from_db()
    assert pending_teen.status == TeenStatus.CONSENT_PENDING


def test_a_changed_consent_link_is_refused_with_an_explanation(client, pending_teen, django_capture_on_commit_callbacks):
    consent = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    token = consent_token(consent, purpose="give")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("consent_give", args=[tampered]))
    assert response.status_code == 400
    assert "Dieser Link ist ungültig" in response.content.decode()
    response = client.post(reverse("consent_give", args=[tampered]),
                           {"signed_name": "X", "participation": "on", "data_processing": "on"})
    assert response.status_code == 400
    pending_teen.refresh_from_db()
    assert pending_teen.status == TeenStatus.CONSENT_PENDING


def test_a_revoke_link_cannot_be_used_to_give_consent(client, pending_teen, django_capture_on_commit_callbacks):
    consent = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    response = client.get(reverse("consent_give", args=[consent_token(consent, purpose="revoke")]))
    assert response.status_code == 400


def test_an_expired_consent_link_is_refused_with_an_explanation(client, pending_teen, django_capture_on_commit_callbacks):
    consent = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    consent.expires_at = timezone.now() - timedelta(minutes=1)
    consent.save()
    response = client.get(reverse("consent_give", args=[consent_token(consent, purpose="give")]))
    assert response.status_code == 400
    assert "abgelaufen" in response.content.decode()


def test_a_consent_link_replaced_by_a_newer_email_is_refused(client, pending_teen, django_capture_on_commit_callbacks):
    old = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    _request_consent(pending_teen, django_capture_on_commit_callbacks)
    response = client.get(reverse("consent_give", args=[consent_token(old, purpose="give")]))
    assert response.status_code == 400
    assert "neuere" in response.content.decode()


def test_the_revoke_link_asks_first_and_then_revokes_the_consent(
    client, pending_teen, mailoutbox, django_capture_on_commit_callbacks
):
    consent = _request_consent(pending_teen, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consent_give", args=[consent_token(consent, purpose="give")]),
                    {"signed_name": "Eva Beispiel", "participation": "on", "data_processing": "on"})
    path = _link_in(mailoutbox[-1].body, "/einwilligung-widerrufen/")

    confirm = client.get(path)
    assert confirm.status_code == 200
    consent.refresh_from_db()
    assert consent.revoked_at is None

    response = client.post(path)
    assert response.status_code == 200
    assert "widerrufen" in response.content.decode()
    consent.refresh_from_db()
    pending_teen.refresh_from_db()
    assert consent.revoked_at is not None
    assert pending_teen.status == TeenStatus.CONSENT_PENDING
    assert "bereits am" in client.get(path).content.decode()


# --- language ----------------------------------------------------------------------------------

def test_the_site_can_be_switched_to_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True)
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "I want to help" in html
    assert "Ich möchte helfen" not in html


def test_an_english_browser_still_gets_german_until_the_person_switches(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert 'lang="de"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
