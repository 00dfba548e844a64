"""The provider's profile page: large text, "Sie", vetting where the policy wants it."""

import pytest
from django.urls import reverse

from accounts.models import Role
from marketplace.models import ProviderProfile, ProviderStatus
from tests.factories import UserFactory, make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db

URL = reverse("provider_profile")


def profile_post(**overrides):
    data = {
        "first_name": "Hildegard", "last_name": "Krause", "street": "Kölnstraße 12",
        "postcode": "52349", "city": "Düren", "phone": "02421 123456",
        "contact_preference": "email", "private_person_confirmed": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def provider_client(client, exchange):
    user = UserFactory(role=Role.PROVIDER, email="hildegard@example.org")
    client.force_login(user)
    client.user = user
    return client


def test_the_profile_page_has_large_text_and_explains_the_contact_choices(provider_client):
    response = provider_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="provider"' in html
    assert "Anruf – die Koordination ruft Sie an." in html
    assert "<legend>Wie möchten Sie benachrichtigt werden?</legend>" in html


def test_a_provider_completes_her_profile_and_waits_for_vetting(provider_client):
    response = provider_client.post(URL, profile_post())
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    profile = ProviderProfile.objects.get(user=provider_client.user)
    assert profile.status == ProviderStatus.PENDING
    assert (profile.postcode_id, profile.exchange.slug, profile.street) == (
        "52349", "kreis-dueren", "Kölnstraße 12")


def test_without_vetting_in_the_policy_she_is_active_at_once(provider_client, exchange):
    exchange.policy.provider_vetting_required = False
    exchange.policy.save()
    provider_client.post(URL, profile_post())
    assert ProviderProfile.objects.get(user=provider_client.user).status == ProviderStatus.ACTIVE


def test_she_must_confirm_being_a_private_person(provider_client):
    response = provider_client.post(URL, profile_post(private_person_confirmed=None))
    assert response.status_code == 200
    assert response.context["form"].errors["private_person_confirmed"] == [
        "Die Taschengeldbörse vermittelt nur an Privatpersonen. Bitte bestätigen Sie das."]
    assert ProviderProfile.objects.get(user=provider_client.user).status == ProviderStatus.INCOMPLETE


def test_sms_without_a_phone_number_is_an_error_on_the_phone_field(provider_client):
    response = provider_client.post(URL, profile_post(contact_preference="sms", phone=""))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Für Nachrichten per SMS oder Anruf brauchen wir Ihre Telefonnummer."]
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in response.content.decode()


def test_a_postcode_outside_every_exchange_is_refused(provider_client):
    response = provider_client.post(URL, profile_post(postcode="10115"))
    assert response.context["form"].errors["postcode"] == [
        "Für die Postleitzahl 10115 gibt es noch keine Taschengeldbörse."]
    profile = ProviderProfile.objects.get(user=provider_client.user)
    assert profile.postcode_id is None and profile.first_name == ""


def test_the_form_shows_her_stored_data(client, exchange):
    provider = make_provider(exchange, first_name="Gertrud")
    client.force_login(provider.user)
    html = client.get(URL).content.decode()
    assert 'value="Gertrud"' in html and 'value="Kölnstraße 1"' in html


def test_a_provider_sees_only_her_own_profile(client, exchange):
    make_provider(exchange, first_name="Gertrud", email="gertrud@example.org")
    own = make_provider(exchange, first_name="Hildegard")
    client.force_login(own.user)
    html = client.get(URL).content.decode()
    assert "Gertrud" not in html and "gertrud@example.org" not in html


@pytest.mark.parametrize("make_user", [
    lambda exchange: make_teen(exchange).user,
    lambda exchange: make_coordinator(exchange),
])
def test_the_provider_page_is_forbidden_to_other_roles(client, exchange, make_user):
    client.force_login(make_user(exchange))
    assert client.get(URL).status_code == 403
    assert client.post(URL, profile_post()).status_code == 403
