"""The teen's way from sign-up to active, through the services (DESIGN section 5)."""

import re
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.models import ConsentMethod, TeenStatus
from marketplace.services.consent import consent_from_token, consent_give, consent_revoke, consent_token
from marketplace.services.errors import Conflict
from marketplace.services.teens import (
    Period,
    Slot,
    teen_pause_self,
    teen_profile_for,
    teen_profile_update,
    teen_verify,
)
from tests.factories import UserFactory, make_coordinator, make_teen, years_ago

pytestmark = pytest.mark.django_db


def profile_data(age=15, **overrides):
    data = {
        "first_name": "Lena", "last_name": "Schmitz", "birth_date": years_ago(age),
        "in_compulsory_school": True, "postcode": "52349", "interests": ["garden"],
        "availability": [Slot(2, time(14), time(18))],
        "parent_name": "Eva Schmitz", "parent_email": "eva@example.org",
    }
    data.update(overrides)
    return data


@pytest.fixture
def new_teen(exchange):
    return teen_profile_for(UserFactory())


def test_a_minor_with_a_complete_profile_waits_for_consent_and_her_parent_gets_a_link(
    new_teen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    assert teen.status == TeenStatus.CONSENT_PENDING
    consent = teen.consents.get()
    assert consent.method == ConsentMethod.LINK and consent.parent_email == "eva@example.org"
    assert [m.to for m in mail.outbox] == [["eva@example.org"]]
    # The token carries the second it was signed, so compare what it opens, not its text.
    token = re.search(r"/einwilligung/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert consent_from_token(token, purpose="give") == consent


def test_an_adult_skips_consent_and_waits_for_the_intake_talk(new_teen):
    teen = teen_profile_update(teen=new_teen, data=profile_data(age=19, parent_name="", parent_email=""),
                               by=new_teen.user)
    assert teen.status == TeenStatus.INTAKE_PENDING
    assert not teen.consents.exists()


def test_a_profile_without_availability_stays_incomplete(new_teen):
    teen = teen_profile_update(teen=new_teen, data=profile_data(availability=[]), by=new_teen.user)
    assert teen.status == TeenStatus.INCOMPLETE


def test_a_given_consent_moves_the_teen_to_the_intake_and_a_revocation_back(new_teen):
    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    consent = teen.consents.get()
    consent_give(consent=consent, signed_name="Eva Schmitz", participation=True, data_processing=True)
    teen.refresh_from_db()
    assert teen.status == TeenStatus.INTAKE_PENDING
    consent_revoke(consent=consent)
    teen.refresh_from_db()
    assert teen.status == TeenStatus.CONSENT_PENDING


def test_consent_needs_both_agreements_and_a_name(new_teen):
    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    with pytest.raises(ValidationError) as exc:
        consent_give(consent=teen.consents.get(), signed_name=" ", participation=True, data_processing=False)
    assert set(exc.value.message_dict) == {"signed_name", "data_processing"}
    teen.refresh_from_db()
    assert teen.status == TeenStatus.CONSENT_PENDING


def test_a_consent_link_expires(new_teen):
    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    consent = teen.consents.get()
    consent.expires_at = timezone.now() - timedelta(minutes=1)
    consent.save()
    from marketplace.services.consent import ConsentLinkError

    with pytest.raises(ConsentLinkError, match="abgelaufen"):
        consent_from_token(consent_token(consent, purpose="give"), purpose="give")


def test_a_changed_parent_address_sends_a_new_link_and_the_old_one_is_superseded(new_teen):
    from marketplace.services.consent import ConsentLinkError

    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    old = teen.consents.get()
    teen = teen_profile_update(teen=teen, data={"parent_email": "papa@example.org"}, by=teen.user)
    assert teen.consents.count() == 2
    with pytest.raises(ConsentLinkError):
        consent_from_token(consent_token(old, purpose="give"), purpose="give")


def test_a_coordinator_activates_with_intake_date_and_paper_consent(exchange, new_teen):
    coordinator = make_coordinator(exchange)
    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    teen = teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=date(2026, 11, 2),
                       paper_consent=True)
    assert teen.status == TeenStatus.ACTIVE
    assert teen.consents.filter(method=ConsentMethod.PAPER, recorded_by=coordinator).exists()


def test_activation_lists_every_missing_requirement_of_the_policy(exchange, new_teen):
    exchange.policy.insurance_required = True
    exchange.policy.police_certificate_required = True
    exchange.policy.save()
    coordinator = make_coordinator(exchange)
    teen = teen_profile_update(teen=new_teen, data=profile_data(), by=new_teen.user)
    with pytest.raises(ValidationError) as exc:
        teen_verify(teen=teen, by=coordinator, decision="activate")
    assert set(exc.value.message_dict) == {"paper_consent", "intake_on", "insurance_confirmed_on",
                                           "police_certificate_inspected_on"}
    teen.refresh_from_db()
    assert teen.status == TeenStatus.CONSENT_PENDING


def test_pause_and_suspend_need_a_reason(exchange):
    teen = make_teen(exchange)
    coordinator = make_coordinator(exchange)
    with pytest.raises(ValidationError) as exc:
        teen_verify(teen=teen, by=coordinator, decision="suspend", reason="")
    assert "reason" in exc.value.message_dict
    teen = teen_verify(teen=teen, by=coordinator, decision="suspend", reason="Nicht erschienen")
    assert teen.status == TeenStatus.SUSPENDED


def test_a_teen_can_lift_her_own_pause_but_not_a_suspension(exchange):
    teen = make_teen(exchange)
    teen = teen_pause_self(teen=teen, paused=True)
    assert teen.status == TeenStatus.PAUSED
    teen = teen_pause_self(teen=teen, paused=False)
    assert teen.status == TeenStatus.ACTIVE
    teen_verify(teen=teen, by=make_coordinator(exchange), decision="pause", reason="Rücksprache nötig")
    with pytest.raises(Conflict):
        teen_pause_self(teen=teen, paused=False)


def test_an_active_teen_cannot_change_her_birth_date_herself(exchange):
    teen = make_teen(exchange, age=15)
    with pytest.raises(ValidationError) as exc:
        teen_profile_update(teen=teen, data={"birth_date": years_ago(18)}, by=teen.user)
    assert "birth_date" in exc.value.message_dict


def test_moving_to_another_exchange_needs_that_exchanges_verification(exchange, other_exchange):
    teen = make_teen(exchange, age=19)
    teen = teen_profile_update(teen=teen, data={"postcode": "52062"}, by=teen.user)
    assert teen.exchange == other_exchange
    assert teen.status == TeenStatus.INTAKE_PENDING


def test_a_21_year_old_is_outside_the_default_range(new_teen):
    with pytest.raises(ValidationError) as exc:
        teen_profile_update(teen=new_teen, data=profile_data(age=21), by=new_teen.user)
    assert "birth_date" in exc.value.message_dict


def test_the_exchange_policy_sets_the_age_range(exchange, new_teen):
    exchange.policy.min_age = 15
    exchange.policy.save()
    with pytest.raises(ValidationError) as exc:
        teen_profile_update(teen=new_teen, data=profile_data(age=14), by=new_teen.user)
    assert "15" in exc.value.message_dict["birth_date"][0]


def test_absences_are_stored_and_replaced(new_teen):
    teen = teen_profile_update(
        teen=new_teen, data=profile_data(absences=[Period(date(2027, 1, 1), date(2027, 1, 6))]), by=new_teen.user)
    assert list(teen.absences.values_list("start", flat=True)) == [date(2027, 1, 1)]
    teen = teen_profile_update(teen=teen, data={"absences": []}, by=teen.user)
    assert not teen.absences.exists()
