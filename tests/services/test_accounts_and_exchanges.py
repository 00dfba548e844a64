import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import Role
from marketplace.services.exchanges import coordinator_create, exchange_create, exchange_for_postcode
from tests.factories import PASSWORD, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_a_postcode_belongs_to_one_exchange_only(exchange, demo_postcodes):
    with pytest.raises(ValidationError) as exc:
        exchange_create(name="Kreuzau", slug="kreuzau", postcodes=["52372"])
    assert "52372" in exc.value.message_dict["postcodes"][0]
    assert exchange_for_postcode("52372") == exchange


def test_a_coordinator_can_belong_to_several_exchanges(exchange, other_exchange):
    user = coordinator_create(email="K@Example.org", password=PASSWORD, exchanges=[exchange])
    again = coordinator_create(email="k@example.org", password=None, exchanges=[other_exchange])
    assert again == user
    assert set(user.coordinated_exchanges.all()) == {exchange, other_exchange}


def test_a_teen_account_cannot_be_turned_into_a_coordinator(exchange):
    teen = UserFactory(role=Role.TEEN)
    with pytest.raises(ValidationError):
        coordinator_create(email=teen.email, password=None, exchanges=[exchange])


@override_settings(REQUIRE_COORDINATOR_MFA=True)
def test_in_production_mode_a_coordinator_without_two_factor_is_sent_to_set_it_up(client, exchange):
    coordinator = make_coordinator(exchange)
    client.force_login(coordinator)
    response = client.get("/koordination/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    api = APIClient()
    api.force_login(coordinator)
    assert api.get("/api/v1/teens/").status_code == 403


@override_settings(REQUIRE_COORDINATOR_MFA=True)
def test_two_factor_is_not_forced_on_teens(client, exchange):
    client.force_login(UserFactory(role=Role.TEEN))
    assert client.get("/api/v1/me/").status_code == 200


def test_allauth_rate_limits_stop_password_guessing(exchange):
    user = UserFactory(role=Role.TEEN)
    client = APIClient()

    def login(password):
        return client.post("/_allauth/app/v1/auth/login", {"email": user.email, "password": password},
                           format="json").json()

    codes = [login("falsch")["errors"][0]["code"] for _ in range(6)]
    assert codes[0] == "email_password_mismatch"
    assert codes[-1] == "too_many_login_attempts"
    # Even the right password is refused while the limit holds.
    assert login(PASSWORD)["errors"][0]["code"] == "too_many_login_attempts"


def run_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_production_mode_refuses_to_start_without_secret_key():
    result = run_check({"DJANGO_ENV": "production", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = run_check({"DJANGO_ENV": "production", "SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr
