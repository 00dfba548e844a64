import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from marketplace.models import ProviderStatus, TeenProfile, TeenStatus
from marketplace.services.teens import teen_verify
from tests.factories import PASSWORD, UserFactory, make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db


# --- start page after login --------------------------------------------------------------------

def test_the_start_page_needs_a_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_new_teen_is_sent_to_her_profile(client, db):
    client.force_login(UserFactory(role=Role.TEEN))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("teen_profile")


def test_a_teen_waiting_for_consent_sees_where_she_stands_and_can_resend_the_email(client, exchange):
    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    client.force_login(teen.user)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Wir warten auf die Einwilligung deiner Eltern" in html
    assert f'action="{reverse("teen_consent_resend")}"' in html
    assert 'aria-current="step"' in html
    assert reverse("teen_profile") in html  # the teen's navigation


def test_a_suspended_teen_sees_the_reason(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.SUSPENDED, status_reason="Zweimal nicht erschienen")
    client.force_login(teen.user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "gesperrt" in html
    assert "Zweimal nicht erschienen" in html


def test_a_provider_waiting_for_vetting_gets_a_start_page_in_large_text(client, exchange):
    provider = make_provider(exchange, status=ProviderStatus.PENDING)
    client.force_login(provider.user)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<body class="provider"' in html
    assert reverse("provider_profile") in html


def test_a_new_provider_is_sent_to_her_profile(client, db):
    client.force_login(UserFactory(role=Role.PROVIDER))
    response = client.get(reverse("dashboard"))
    assert response.url == reverse("provider_profile")


def test_a_coordinator_is_sent_to_the_coordination(client, exchange):
    client.force_login(make_coordinator(exchange))
    response = client.get(reverse("dashboard"))
    assert response.url == reverse("coordinator_home")


def test_an_operator_is_sent_to_the_admin(client, db):
    client.force_login(UserFactory(role=Role.OPERATOR, is_staff=True))
    response = client.get(reverse("dashboard"))
    assert response.url == reverse("admin:index")


# --- data rights -------------------------------------------------------------------------------

def test_the_data_page_offers_download_and_deletion(client, exchange):
    teen = make_teen(exchange)
    client.force_login(teen.user)
    html = client.get(reverse("account_data")).content.decode()
    assert reverse("account_export") in html
    assert reverse("account_delete") in html


def test_the_data_export_is_a_json_download_with_the_profile(client, exchange):
    teen = make_teen(exchange, first_name="Mia")
    client.force_login(teen.user)
    response = client.get(reverse("account_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == teen.user.email
    assert data["marketplace"]["teen_profile"]["first_name"] == "Mia"
    assert data["marketplace"]["teen_profile"]["postcode"] == "52349"


def test_the_data_export_needs_a_login(client, db):
    response = client.get(reverse("account_export"))
    assert response.status_code == 302


def test_deleting_needs_the_right_password(client, exchange):
    teen = make_teen(exchange)
    client.force_login(teen.user)
    response = client.post(reverse("account_delete"), {"password": "falsch"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password_error"' in html
    assert User.objects.filter(pk=teen.user_id).exists()


def test_a_teen_without_history_is_deleted_completely(client, exchange):
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING)
    user_id = teen.user_id
    client.force_login(teen.user)
    page = client.get(reverse("account_delete")).content.decode()
    assert "vollständig" in page
    response = client.post(reverse("account_delete"), {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "gelöscht" in response.content.decode()
    assert not User.objects.filter(pk=user_id).exists()
    assert not TeenProfile.objects.filter(pk=teen.pk).exists()
    assert not response.wsgi_request.user.is_authenticated


def test_a_teen_verified_by_a_coordinator_is_anonymised_and_the_history_stays(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.INTAKE_PENDING)
    coordinator = make_coordinator(exchange)
    teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=timezone.localdate(),
                paper_consent=True)
    user_id, email = teen.user_id, teen.user.email
    entries_before = AuditEntry.objects.filter(subject_user_id=user_id).count()
    client.force_login(teen.user)
    assert "Gelöscht" in client.get(reverse("account_delete")).content.decode()

    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(pk=user_id)
    assert user.email != email
    assert user.email.endswith("@anonymisiert.invalid")
    assert not user.is_active
    assert user.anonymised_at is not None
    teen.refresh_from_db()
    assert teen.first_name == "Gelöscht"
    assert teen.birth_date is None
    assert teen.status == TeenStatus.DELETED
    assert AuditEntry.objects.filter(subject_user_id=user_id).count() > entries_before
    assert AuditEntry.objects.filter(subject_user_id=user_id, action="marketplace.teen.activated").exists()


# --- navigation by role ------------------------------------------------------------------------

def test_the_navigation_follows_the_role(client, exchange):
    teen = make_teen(exchange)
    provider = make_provider(exchange)
    coordinator = make_coordinator(exchange)
    for user, expected, not_expected in [
        (teen.user, reverse("teen_profile"), reverse("coordinator_home")),
        (provider.user, reverse("provider_profile"), reverse("teen_profile")),
        (coordinator, reverse("coordinator_home"), reverse("provider_profile")),
    ]:
        client.force_login(user)
        html = client.get(reverse("account_data")).content.decode()
        nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
        assert expected in nav
        assert not_expected not in nav
        assert reverse("account_logout") in nav
        assert reverse("account_data") in nav


def test_an_active_teen_can_take_a_break_from_the_start_page_and_come_back(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.ACTIVE)
    client.force_login(teen.user)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'action="{reverse("teen_pause")}"' in html
    assert 'name="paused" value="1"' in html

    response = client.post(reverse("teen_pause"), {"paused": "1", "next": reverse("dashboard")})
    assert response.url == reverse("dashboard")
    teen.refresh_from_db()
    assert teen.status == TeenStatus.PAUSED
    html = client.get(reverse("dashboard")).content.decode()
    assert "Du machst gerade Pause" in html
    assert 'name="paused" value="0"' in html


def test_a_teen_paused_by_the_coordination_cannot_resume_herself_from_the_start_page(client, exchange):
    teen = make_teen(exchange, age=16, status=TeenStatus.PAUSED, status_reason="Rücksprache nötig")
    client.force_login(teen.user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Rücksprache nötig" in html
    assert reverse("teen_pause") not in html


def test_resending_the_consent_email_from_the_start_page_returns_there(client, exchange, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    client.force_login(teen.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teen_consent_resend"), {"next": reverse("dashboard")})
    assert response.url == reverse("dashboard")
    assert mailoutbox[-1].to == ["eltern@example.org"]
