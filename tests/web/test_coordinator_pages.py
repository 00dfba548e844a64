"""The coordinator's console: verification queue, decisions on teens, intake and vetting of
providers. Personas: the coordinator of the exchange, a teen, a provider, and a coordinator of
another exchange, who must not learn that this exchange's people exist."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from marketplace.models import ConsentMethod, ProviderProfile, ProviderStatus, TeenStatus
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def teen_url(teen):
    return reverse("coordinator_teen", args=[teen.pk])


def provider_url(profile):
    return reverse("coordinator_provider", args=[profile.pk])


def yesterday():
    return (timezone.localdate() - timedelta(days=1)).isoformat()


# --- Overview and lists ------------------------------------------------------------------


def test_the_overview_counts_the_queues_of_her_exchange(coordinator_client, exchange, other_exchange):
    make_teen(exchange, status=TeenStatus.CONSENT_PENDING, first_name="Ida")
    make_teen(exchange, age=18, status=TeenStatus.INTAKE_PENDING, first_name="Jan")
    make_teen(exchange, status=TeenStatus.ACTIVE, first_name="Kim")
    make_teen(other_exchange, status=TeenStatus.CONSENT_PENDING, postcode="52062", first_name="Olga")
    make_provider(exchange, status=ProviderStatus.PENDING, first_name="Paula")
    response = coordinator_client.get(reverse("coordinator_home"))
    assert response.status_code == 200
    counts = {s["key"]: s["queue"].count for s in response.context["sections"]}
    assert (counts["consent"], counts["intake"], counts["providers"]) == (1, 1, 1)
    html = response.content.decode()
    assert 'class="coordinator"' in html
    assert "Ida" in html and "Jan" in html and "Paula" in html
    assert "Olga" not in html and "Kim" not in html


def test_the_teen_list_shows_the_queue_oldest_first(coordinator_client, exchange):
    newer = make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Neu")
    older = make_teen(exchange, status=TeenStatus.CONSENT_PENDING, first_name="Alt")
    older.status_changed_at = timezone.now() - timedelta(days=10)
    older.save()
    make_teen(exchange, status=TeenStatus.ACTIVE, first_name="Aktiv")
    response = coordinator_client.get(reverse("coordinator_teens"))
    assert [t.first_name for t in response.context["page"].object_list] == ["Alt", "Neu"]
    assert newer.postcode_id in response.content.decode()


def test_the_teen_list_filters_by_status(coordinator_client, exchange):
    make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Wartend")
    make_teen(exchange, status=TeenStatus.ACTIVE, first_name="Aktiv")
    response = coordinator_client.get(reverse("coordinator_teens"), {"status": "active"})
    assert [t.first_name for t in response.context["page"].object_list] == ["Aktiv"]
    response = coordinator_client.get(reverse("coordinator_teens"), {"status": "all"})
    assert len(response.context["page"].object_list) == 2
    response = coordinator_client.get(reverse("coordinator_teens"), {"status": "<script>"})
    assert [t.first_name for t in response.context["page"].object_list] == ["Wartend"]


def test_the_teen_list_needs_the_same_number_of_queries_for_many_teens(
    coordinator_client, exchange, django_assert_max_num_queries
):
    for _ in range(3):
        make_teen(exchange, status=TeenStatus.INTAKE_PENDING)
    with django_assert_max_num_queries(12) as few:
        coordinator_client.get(reverse("coordinator_teens"))
    for _ in range(20):
        make_teen(exchange, status=TeenStatus.INTAKE_PENDING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_client.get(reverse("coordinator_teens"))


def test_the_provider_list_shows_the_vetting_queue_and_all_on_request(coordinator_client, exchange):
    make_provider(exchange, status=ProviderStatus.PENDING, first_name="Paula")
    make_provider(exchange, status=ProviderStatus.ACTIVE, first_name="Anna")
    response = coordinator_client.get(reverse("coordinator_providers"))
    assert [p.first_name for p in response.context["page"].object_list] == ["Paula"]
    response = coordinator_client.get(reverse("coordinator_providers"), {"status": "all"})
    assert sorted(p.first_name for p in response.context["page"].object_list) == ["Anna", "Paula"]


# --- A teen's page and the decision ------------------------------------------------------


def test_the_teen_page_shows_her_data_and_logs_the_view(coordinator_client, coordinator, exchange):
    teen = make_teen(exchange, age=15, status=TeenStatus.INTAKE_PENDING, phone="0151 999")
    teen.consents.create(method=ConsentMethod.LINK, parent_name="Eva Beispiel",
                         parent_email="eltern@example.org", given_at=timezone.now(),
                         signed_name="Eva Beispiel", participation=True, data_processing=True)
    response = coordinator_client.get(teen_url(teen))
    assert response.status_code == 200
    html = response.content.decode()
    assert "0151 999" in html and "eltern@example.org" in html and "Samstag: 10:00–16:00" in html
    assert "Bitte das Datum des Kennenlerngesprächs angeben." in html  # what is missing
    assert 'name="paper_consent"' not in html  # consent is there
    entry = AuditEntry.objects.get(action="marketplace.teen.viewed")
    assert (entry.actor, entry.target_id, entry.subject_user_id, entry.exchange_id) == (
        coordinator, teen.pk, teen.user_id, exchange.pk)


def test_a_coordinator_activates_an_adult_after_the_intake_talk(coordinator_client, coordinator, exchange):
    teen = make_teen(exchange, age=19, status=TeenStatus.INTAKE_PENDING)
    response = coordinator_client.post(teen_url(teen), {"decision": "activate", "intake_on": yesterday()})
    assert response.status_code == 302
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE
    assert teen.intake_on.isoformat() == yesterday()
    entry = AuditEntry.objects.get(action="marketplace.teen.activated")
    assert (entry.actor, entry.target_id) == (coordinator, teen.pk)
    follow = coordinator_client.get(response["Location"])
    assert "ist freigeschaltet" in follow.content.decode()


def test_a_suspended_teen_is_offered_reactivation_and_comes_back(coordinator_client, exchange):
    teen = make_teen(exchange, age=18, status=TeenStatus.SUSPENDED, first_name="Sina")
    page = coordinator_client.get(teen_url(teen)).content.decode()
    assert "Reaktivieren – wieder vermitteln" in page and "Freischalten – alle" not in page
    coordinator_client.post(teen_url(teen), {"decision": "activate", "intake_on": yesterday()})
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE
    # Active now: the same choice only keeps her active.
    assert "Aktiv lassen – Angaben speichern" in coordinator_client.get(teen_url(teen)).content.decode()


def test_a_minor_is_activated_with_a_paper_consent(coordinator_client, exchange):
    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    assert 'name="paper_consent"' in coordinator_client.get(teen_url(teen)).content.decode()
    response = coordinator_client.post(teen_url(teen), {
        "decision": "activate", "intake_on": yesterday(), "paper_consent": "on"})
    assert response.status_code == 302
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE
    assert teen.consents.get().method == ConsentMethod.PAPER


def test_activation_without_an_intake_date_is_an_error_on_that_field(coordinator_client, exchange):
    teen = make_teen(exchange, age=19, status=TeenStatus.INTAKE_PENDING)
    response = coordinator_client.post(teen_url(teen), {"decision": "activate", "intake_on": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["intake_on"] == [
        "Bitte das Datum des Kennenlerngesprächs angeben."]
    assert 'id="id_intake_on_error"' in response.content.decode()
    teen.refresh_from_db()
    assert teen.status == TeenStatus.INTAKE_PENDING
    assert not AuditEntry.objects.filter(action="marketplace.teen.activated").exists()


def test_a_minor_without_consent_is_not_activated(coordinator_client, exchange):
    teen = make_teen(exchange, age=15, status=TeenStatus.CONSENT_PENDING)
    response = coordinator_client.post(teen_url(teen), {"decision": "activate", "intake_on": yesterday()})
    assert response.status_code == 200
    assert response.context["form"].errors["paper_consent"][0].startswith("Die Einwilligung der Eltern fehlt.")
    teen.refresh_from_db()
    assert teen.status == TeenStatus.CONSENT_PENDING and teen.intake_on is None


def test_suspending_needs_a_reason(coordinator_client, exchange):
    teen = make_teen(exchange, age=16)
    response = coordinator_client.post(teen_url(teen), {"decision": "suspend", "reason": " "})
    assert response.context["form"].errors["reason"] == ["Bitte eine Begründung angeben."]
    coordinator_client.post(teen_url(teen), {"decision": "suspend", "reason": "Zweimal nicht erschienen"})
    teen.refresh_from_db()
    assert (teen.status, teen.status_reason) == (TeenStatus.SUSPENDED, "Zweimal nicht erschienen")


def test_the_police_certificate_is_asked_for_only_where_the_policy_wants_it(coordinator_client, exchange):
    teen = make_teen(exchange, age=19, status=TeenStatus.INTAKE_PENDING)
    html = coordinator_client.get(teen_url(teen)).content.decode()
    assert "police_certificate_inspected_on" not in html and "insurance_confirmed_on" not in html
    exchange.policy.police_certificate_required = True
    exchange.policy.save()
    html = coordinator_client.get(teen_url(teen)).content.decode()
    assert 'name="police_certificate_inspected_on"' in html
    response = coordinator_client.post(teen_url(teen), {
        "decision": "activate", "intake_on": yesterday(),
        "police_certificate_inspected_on": yesterday(), "police_certificate_dated": yesterday(),
        "police_certificate_clean": "1"})
    assert response.status_code == 302
    teen.refresh_from_db()
    assert teen.status == TeenStatus.ACTIVE and teen.police_certificate_clean is True


# --- Providers -----------------------------------------------------------------------------


def intake_post(**overrides):
    data = {"first_name": "Erna", "last_name": "Schulz", "street": "Am Markt 3", "postcode": "52372",
            "city": "Kreuzau", "phone": "02422 5555", "contact_preference": "phone", "email": "",
            "notes": "Hört schlecht, bitte laut sprechen."}
    data.update(overrides)
    return data


def test_a_coordinator_enters_a_provider_without_email_after_a_phone_call(coordinator_client, coordinator):
    response = coordinator_client.post(reverse("coordinator_provider_create"), intake_post())
    assert response.status_code == 302
    profile = ProviderProfile.objects.get(last_name="Schulz")
    assert response["Location"] == provider_url(profile)
    assert (profile.status, profile.user, profile.created_by) == (ProviderStatus.ACTIVE, None, coordinator)
    assert profile.notes == "Hört schlecht, bitte laut sprechen."
    assert mail.outbox == []
    assert "Ohne E-Mail-Adresse geht keine Einladung" in coordinator_client.get(response["Location"]).content.decode()


def test_a_provider_entered_with_email_gets_an_account_and_an_invitation(
    coordinator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("coordinator_provider_create"),
                                           intake_post(email="Erna.Schulz@example.org",
                                                       contact_preference="email"))
    assert response.status_code == 302
    profile = ProviderProfile.objects.get(last_name="Schulz")
    assert profile.status == ProviderStatus.ACTIVE
    assert profile.user.email == "erna.schulz@example.org" and profile.user.role == Role.PROVIDER
    assert [m.to for m in mail.outbox] == [["erna.schulz@example.org"]]
    assert "Eine Einladung per E-Mail geht an erna.schulz@example.org" in \
        coordinator_client.get(response["Location"]).content.decode()


def test_an_intake_with_a_postcode_of_another_exchange_is_refused(coordinator_client, other_exchange):
    response = coordinator_client.post(reverse("coordinator_provider_create"), intake_post(postcode="52062"))
    assert response.status_code == 200
    assert response.context["form"].errors["postcode"] == ["Diese Postleitzahl gehört zu Taschengeldbörse Aachen."]
    assert not ProviderProfile.objects.exists()


def test_a_coordinator_of_several_exchanges_chooses_one_for_the_intake(client, exchange, other_exchange):
    coordinator = make_coordinator(exchange, other_exchange)
    client.force_login(coordinator)
    html = client.get(reverse("coordinator_provider_create")).content.decode()
    assert 'name="exchange"' in html and "Taschengeldbörse Aachen" in html
    response = client.post(reverse("coordinator_provider_create"),
                           intake_post(postcode="52062", city="Aachen", exchange=other_exchange.pk))
    assert response.status_code == 302
    assert ProviderProfile.objects.get().exchange == other_exchange


def test_a_single_exchange_coordinator_is_not_asked_for_the_exchange(coordinator_client):
    html = coordinator_client.get(reverse("coordinator_provider_create")).content.decode()
    assert 'name="exchange"' not in html


def test_a_coordinator_vets_a_pending_provider(coordinator_client, coordinator, exchange):
    profile = make_provider(exchange, status=ProviderStatus.PENDING)
    response = coordinator_client.get(provider_url(profile))
    assert "Kölnstraße 1" in response.content.decode()
    assert AuditEntry.objects.filter(action="marketplace.provider.viewed", target_id=profile.pk).exists()
    response = coordinator_client.post(provider_url(profile), {"decision": "activate"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.status, profile.vetted_by) == (ProviderStatus.ACTIVE, coordinator)


def test_suspending_a_provider_needs_a_reason(coordinator_client, exchange):
    profile = make_provider(exchange)
    response = coordinator_client.post(provider_url(profile), {"decision": "suspend", "reason": ""})
    assert response.context["form"].errors["reason"] == ["Bitte eine Begründung angeben."]
    profile.refresh_from_db()
    assert profile.status == ProviderStatus.ACTIVE


# --- Permissions ---------------------------------------------------------------------------


def all_coordinator_urls(teen, provider):
    return [reverse("coordinator_home"), reverse("coordinator_teens"), teen_url(teen),
            reverse("coordinator_providers"), reverse("coordinator_provider_create"),
            provider_url(provider)]


@pytest.mark.parametrize("persona", ["teen_herself", "another_teen", "provider"])
def test_teens_and_providers_cannot_open_the_console(client, exchange, persona):
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Lena")
    provider = make_provider(exchange, status=ProviderStatus.PENDING)
    user = {"teen_herself": lambda: teen.user, "another_teen": lambda: make_teen(exchange).user,
            "provider": lambda: provider.user}[persona]()
    client.force_login(user)
    for url in all_coordinator_urls(teen, provider):
        assert client.get(url).status_code == 403, url
    assert client.post(teen_url(teen), {"decision": "activate", "intake_on": yesterday()}).status_code == 403
    assert client.post(reverse("coordinator_provider_create"), intake_post()).status_code == 403
    teen.refresh_from_db()
    assert teen.status == TeenStatus.INTAKE_PENDING
    assert ProviderProfile.objects.count() == 1


def test_a_visitor_is_sent_to_the_login(client, exchange):
    teen = make_teen(exchange)
    provider = make_provider(exchange)
    for url in all_coordinator_urls(teen, provider):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url


def test_a_coordinator_of_another_exchange_gets_404_and_empty_lists(client, exchange, other_exchange):
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Lena")
    provider = make_provider(exchange, status=ProviderStatus.PENDING, first_name="Hildegard")
    client.force_login(make_coordinator(other_exchange))
    assert client.get(teen_url(teen)).status_code == 404
    assert client.get(provider_url(provider)).status_code == 404
    assert client.post(teen_url(teen), {"decision": "suspend", "reason": "x"}).status_code == 404
    assert client.post(provider_url(provider), {"decision": "suspend", "reason": "x"}).status_code == 404
    for url in (reverse("coordinator_home"), f"{reverse('coordinator_teens')}?status=all",
                f"{reverse('coordinator_providers')}?status=all"):
        html = client.get(url).content.decode()
        assert "Lena" not in html and "Hildegard" not in html, url
    teen.refresh_from_db()
    provider.refresh_from_db()
    assert teen.status == TeenStatus.INTAKE_PENDING and provider.status == ProviderStatus.PENDING
    assert not AuditEntry.objects.filter(action__endswith=".viewed").exists()


def test_a_coordinator_of_another_exchange_cannot_enter_a_provider_here(client, exchange, other_exchange):
    client.force_login(make_coordinator(other_exchange))
    response = client.post(reverse("coordinator_provider_create"), intake_post(postcode="52372"))
    assert response.status_code == 200
    assert response.context["form"].errors["postcode"] == [
        "Diese Postleitzahl gehört zu Taschengeldbörse Kreis Düren."]
    assert not ProviderProfile.objects.exists()
    assert not User.objects.filter(role=Role.PROVIDER).exists()
