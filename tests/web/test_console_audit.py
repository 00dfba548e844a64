"""The audit log in the console: her exchanges' entries only, in German, filtered by person, by
who, by kind and by date; read-only; reading it about a person is logged; and every main action
of a coordinator leaves an entry that says who did it, where and to whom.

Personas: the coordinator of the exchange, a teen and a provider (403), a coordinator of another
exchange (sees none of these entries, not even through ?person=)."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from accounts.services import audit_log
from marketplace.models import ProviderProfile, TeenStatus
from marketplace.selectors.audit import ACTION_LABELS
from marketplace.services.assignments import assignment_cancel
from marketplace.services.broadcasts import broadcast_send
from marketplace.services.jobs import assignment_create_direct, job_approve, job_create, job_reject
from marketplace.services.providers import provider_vet
from marketplace.services.teens import teen_verify
from matching.calendar import Calendar
from tests.factories import PASSWORD, make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db

AUDIT = reverse("coordinator_audit")
BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def lena(exchange):
    return make_teen(exchange, first_name="Lena")


@pytest.fixture
def hilde(exchange):
    return make_provider(exchange, first_name="Hildegard")


@pytest.fixture
def olga(other_exchange):
    return make_teen(other_exchange, first_name="Olga", postcode="52062")


def log(action, *, actor=None, teen=None, exchange_id=None, at=None, **data):
    entry = audit_log(actor=actor, action=action, target=teen, subject_user_id=teen.user_id if teen else None,
                      exchange_id=exchange_id if exchange_id is not None else teen.exchange_id, data=data)
    if at is not None:
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=at)
    return entry


# Written when the fixtures create the exchanges and coordinators.
SETUP = {"marketplace.exchange.created", "marketplace.coordinator.added"}


def rows(response):
    return [r for r in response.context["rows"] if r["entry"].action not in SETUP]


def whats(response):
    return [r["what"] for r in rows(response)]


# --- the list -------------------------------------------------------------------------------


def test_the_log_shows_when_who_what_on_whom_and_why_newest_first_in_german(
    coordinator_client, coordinator, lena, hilde
):
    yesterday = timezone.now() - timedelta(days=1)
    log("marketplace.teen.activated", actor=coordinator, teen=lena, at=yesterday, reason="")
    log("marketplace.teen.suspended", actor=coordinator, teen=lena, reason="Mehrfach nicht erschienen")
    audit_log(actor=None, action="marketplace.provider.activated", target=hilde, exchange_id=hilde.exchange_id,
              subject_user_id=hilde.user_id)
    response = coordinator_client.get(AUDIT)
    assert response.status_code == 200
    assert whats(response) == ["Auftraggeber freigeschaltet", "Jugendliche/n gesperrt", "Jugendliche/n freigeschaltet"]
    html = response.content.decode()
    assert "System" in html and "koordination@example.org" in html
    assert "Mehrfach nicht erschienen" in html
    assert f'href="{reverse("coordinator_teen", args=[lena.pk])}">Lena Beispiel</a>' in html
    assert f'href="{reverse("coordinator_provider", args=[hilde.pk])}">Hildegard Muster</a>' in html


def test_a_teens_own_action_names_her_and_an_unknown_action_shows_its_code(coordinator_client, lena):
    log("marketplace.application.created", actor=lena.user, teen=lena)
    log("marketplace.something.new", actor=None, teen=lena)
    response = coordinator_client.get(AUDIT)
    assert whats(response) == ["marketplace.something.new", "Beworben"]
    assert rows(response)[1]["who"]["name"] == "Lena Beispiel"


def test_a_job_decision_names_the_provider_of_the_job(coordinator_client, coordinator, hilde):
    job = job_create(provider=hilde, by=hilde.user, data=job_data())
    job_approve(job=job, by=coordinator)
    response = coordinator_client.get(AUDIT, {"group": "decisions"})
    approved = next(r for r in rows(response) if r["entry"].action == "marketplace.job.approved")
    assert approved["subject"].name == "Hildegard Muster"


def test_the_page_needs_the_same_number_of_queries_for_many_entries(
    coordinator_client, coordinator, exchange, hilde, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            teen = make_teen(exchange)
            log("marketplace.teen.viewed", actor=coordinator, teen=teen)
            log("marketplace.application.created", actor=teen.user, teen=teen)
            audit_log(actor=coordinator, action="marketplace.job.rejected", exchange_id=exchange.pk,
                      target=job_create(provider=hilde, by=hilde.user, data=job_data()), data={"reason": "Gewerblich"})
    add(1)
    with django_assert_max_num_queries(14) as few:
        coordinator_client.get(AUDIT)
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_client.get(AUDIT)
    assert len(rows(response)) == 50
    assert all(r["subject"] is not None for r in rows(response))


def test_the_log_is_paginated_by_fifty(coordinator_client, coordinator, lena):
    for _ in range(51):
        log("marketplace.teen.viewed", actor=coordinator, teen=lena)
    assert len(rows(coordinator_client.get(AUDIT, {"actor": coordinator.pk}))) == 50
    assert len(rows(coordinator_client.get(AUDIT, {"actor": coordinator.pk, "page": 2}))) == 1


# --- filters --------------------------------------------------------------------------------


def test_filtering_by_person_shows_only_her_entries_and_is_itself_logged(
    coordinator_client, coordinator, exchange, lena, hilde
):
    log("marketplace.teen.viewed", actor=coordinator, teen=lena)
    log("marketplace.teen.viewed", actor=coordinator, teen=make_teen(exchange, first_name="Mia"))
    response = coordinator_client.get(AUDIT, {"person": lena.user_id})
    assert [r["subject"].name for r in rows(response)] == ["Lena Beispiel"]
    assert "Nur Einträge zu Lena Beispiel." in response.content.decode()
    viewed = AuditEntry.objects.get(action="marketplace.audit.viewed")
    assert (viewed.actor, viewed.subject_user_id, viewed.exchange_id) == (coordinator, lena.user_id, exchange.pk)
    assert "Protokoll zu einer Person angesehen" in whats(coordinator_client.get(AUDIT, {"person": lena.user_id}))


def test_the_name_field_finds_teens_and_providers_without_an_account(coordinator_client, coordinator, exchange, lena):
    log("marketplace.teen.viewed", actor=coordinator, teen=make_teen(exchange, first_name="Mia"))
    log("marketplace.teen.viewed", actor=coordinator, teen=lena)
    phone_only = ProviderProfile.objects.create(exchange=exchange, first_name="Erna", last_name="Ohnekonto",
                                                postcode_id="52349", contact_preference="phone")
    audit_log(actor=coordinator, action="marketplace.provider.created_by_coordinator", target=phone_only,
              exchange_id=exchange.pk)
    assert [r["subject"].name for r in rows(coordinator_client.get(AUDIT, {"name": "lena beisp"}))] == [
        "Lena Beispiel"]
    assert [r["subject"].name for r in rows(coordinator_client.get(AUDIT, {"name": "Ohnekonto"}))] == [
        "Erna Ohnekonto"]
    assert rows(coordinator_client.get(AUDIT, {"name": "Niemand"})) == []


def test_filters_by_who_by_kind_and_by_date(coordinator_client, coordinator, exchange, lena):
    colleague = make_coordinator(exchange, email="kollegin@example.org")
    last_year = timezone.localdate() - timedelta(days=400)
    long_ago = datetime.combine(last_year, time(12), tzinfo=BERLIN)
    log("marketplace.teen.viewed", actor=coordinator, teen=lena, at=long_ago)
    log("marketplace.teen.suspended", actor=colleague, teen=lena, reason="Grund")
    log("marketplace.assignment.cancelled", actor=colleague, teen=lena, reason="krank")
    audit_log(actor=coordinator, action="marketplace.broadcast.sent", exchange_id=exchange.pk, data={"recipients": 3})
    audit_log(actor=coordinator, action="marketplace.coordinator.settings_right_changed", exchange_id=exchange.pk)
    assert whats(coordinator_client.get(AUDIT, {"actor": colleague.pk})) == [
        "Vermittlung abgesagt", "Jugendliche/n gesperrt"]
    assert whats(coordinator_client.get(AUDIT, {"group": "views"})) == ["Seite einer/eines Jugendlichen angesehen"]
    assert whats(coordinator_client.get(AUDIT, {"group": "decisions"})) == ["Jugendliche/n gesperrt"]
    assert whats(coordinator_client.get(AUDIT, {"group": "matches"})) == ["Vermittlung abgesagt"]
    assert whats(coordinator_client.get(AUDIT, {"group": "settings"})) == ["Recht für die Einstellungen geändert"]
    response = coordinator_client.get(AUDIT, {"group": "broadcasts"})
    assert whats(response) == ["Rundnachricht gesendet"] and "an 3 Jugendliche" in response.content.decode()
    assert whats(coordinator_client.get(AUDIT, {"date_from": last_year.isoformat(),
                                                "date_to": last_year.isoformat()})) == [
        "Seite einer/eines Jugendlichen angesehen"]
    since = (last_year + timedelta(days=1)).strftime("%d.%m.%Y")
    assert len(rows(coordinator_client.get(AUDIT, {"date_from": since}))) == 4
    # Nonsense is ignored, not an error page.
    assert len(rows(coordinator_client.get(AUDIT, {"actor": "x", "group": "<b>", "date_from": "gestern",
                                                   "person": "-3"}))) == 5


def test_the_actor_filter_offers_only_the_coordinators_of_her_exchanges(coordinator_client, exchange, other_exchange):
    make_coordinator(exchange, email="kollegin@example.org")
    make_coordinator(other_exchange, email="aachen@example.org")
    choices = [label for _value, label in coordinator_client.get(AUDIT).context["form"].fields["actor"].choices]
    assert choices == ["Alle", "kollegin@example.org", "koordination@example.org"]


def test_every_action_written_in_the_code_has_a_german_label():
    written = set()
    for folder in ("marketplace", "accounts", "notifications"):
        for source in (ROOT / folder).rglob("*.py"):
            written |= set(re.findall(r'action="((?:marketplace|accounts|notifications)\.[a-z_.]+)"',
                                      source.read_text()))
    assert written - set(ACTION_LABELS) == set()
    # Those written with an f-string.
    for action in ("marketplace.job.expired", "marketplace.job.closed", "marketplace.provider.activated",
                   "marketplace.provider.suspended", "marketplace.teen.activated", "marketplace.teen.paused",
                   "marketplace.teen.suspended", "marketplace.assignment.confirmed_by_teen",
                   "marketplace.assignment.confirmed_by_provider", "marketplace.assignment.confirmed_by_coordinator"):
        assert action in ACTION_LABELS


# --- scope and personas -----------------------------------------------------------------------


def test_another_exchanges_entries_never_appear_not_even_by_person(
    coordinator_client, coordinator, other_exchange, lena, olga
):
    aachen = make_coordinator(other_exchange, email="aachen@example.org")
    log("marketplace.teen.viewed", actor=coordinator, teen=lena)
    log("marketplace.teen.suspended", actor=aachen, teen=olga, reason="Aachener Grund")
    html = coordinator_client.get(AUDIT).content.decode()
    assert "Olga" not in html and "Aachener Grund" not in html and "aachen@example.org" not in html
    response = coordinator_client.get(AUDIT, {"person": olga.user_id})
    assert rows(response) == [] and "Olga" not in response.content.decode()
    assert rows(coordinator_client.get(AUDIT, {"name": "Olga"})) == []
    assert not AuditEntry.objects.filter(action="marketplace.audit.viewed").exists()


def test_a_person_who_moved_to_another_exchange_is_not_named_on_her_old_entries(
    coordinator_client, exchange, olga
):
    # Olga applied here before she moved to Aachen: the entry stays, her name is Aachen's now.
    audit_log(actor=olga.user, action="marketplace.application.created", exchange_id=exchange.pk,
              subject_user_id=olga.user_id)
    response = coordinator_client.get(AUDIT)
    row = rows(response)[0]
    assert row["who"]["name"] == f"Konto Nr. {olga.user_id}" and row["subject"] is None
    assert "Olga" not in response.content.decode()


def test_teens_and_providers_may_not_read_the_log(client, lena, hilde):
    for user in (lena.user, hilde.user):
        client.force_login(user)
        assert client.get(AUDIT).status_code == 403


# --- read-only ------------------------------------------------------------------------------


def test_the_page_changes_nothing_whatever_the_method(coordinator_client, coordinator, lena):
    entry = log("marketplace.teen.suspended", actor=coordinator, teen=lena, reason="Grund")
    for method in ("post", "put", "patch", "delete"):
        response = getattr(coordinator_client, method)(AUDIT, {"id": entry.pk, "action": "x"},
                                                       content_type="application/x-www-form-urlencoded")
        assert response.status_code == 405
    entry_after = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_after.action, entry_after.data) == ("marketplace.teen.suspended", {"reason": "Grund"})


def test_not_even_a_superuser_can_change_or_delete_an_entry_in_the_admin(client, coordinator, lena):
    entry = log("marketplace.teen.suspended", actor=coordinator, teen=lena, reason="Grund")
    admin = User.objects.create_superuser(email="admin@example.org", password=PASSWORD, role=Role.OPERATOR)
    client.force_login(admin)
    change = reverse("admin:accounts_auditentry_change", args=[entry.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change, {"action": "marketplace.teen.activated", "data": "{}"}).status_code == 403
    assert client.post(reverse("admin:accounts_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    entry_after = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_after.action, entry_after.data) == ("marketplace.teen.suspended", {"reason": "Grund"})


# --- every main action of a coordinator is on record ------------------------------------------


NW = Calendar(state="NW")


def next_saturday(hour):
    """A Saturday ahead that is no public holiday and no 24/31 December (§ 18 JArbSchG)."""
    day = timezone.localdate() + timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7)
    while NW.public_holiday(day) or (day.month, day.day) in {(12, 24), (12, 31)}:
        day += timedelta(weeks=1)
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


def job_data(**overrides):
    return {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            "starts_at": next_saturday(11), "ends_at": next_saturday(12), "hourly_rate": Decimal("8.00"),
            "helpers_needed": 1, **overrides}


def entry_for(action, **where):
    entries = list(AuditEntry.objects.filter(action=action, **where))
    assert len(entries) == 1, f"{action}: {len(entries)} entries"
    return entries[0]


def assert_on_record(action, *, actor, exchange, subject, **where):
    entry = entry_for(action, **where)
    assert (entry.actor, entry.exchange_id, entry.subject_user_id) == (actor, exchange.pk, subject.user_id), action


@pytest.fixture
def provider_in_review(exchange):
    return make_provider(exchange, status="pending", first_name="Paula")


def test_verifying_vetting_viewing_and_matching_are_on_record_with_actor_exchange_and_person(
    coordinator_client, coordinator, exchange, hilde, provider_in_review, django_capture_on_commit_callbacks
):
    teen = make_teen(exchange, status=TeenStatus.INTAKE_PENDING, first_name="Tom")
    teen_verify(teen=teen, by=coordinator, decision="activate", intake_on=timezone.localdate(), paper_consent=True)
    assert_on_record("marketplace.teen.activated", actor=coordinator, exchange=exchange, subject=teen)

    provider_vet(profile=provider_in_review, by=coordinator, decision="activate")
    assert_on_record("marketplace.provider.activated", actor=coordinator, exchange=exchange,
                     subject=provider_in_review)

    coordinator_client.get(reverse("coordinator_teen", args=[teen.pk]))
    assert_on_record("marketplace.teen.viewed", actor=coordinator, exchange=exchange, subject=teen)
    coordinator_client.get(reverse("coordinator_provider", args=[hilde.pk]))
    assert_on_record("marketplace.provider.viewed", actor=coordinator, exchange=exchange, subject=hilde)

    job = job_create(provider=hilde, by=hilde.user, data=job_data())
    job_approve(job=job, by=coordinator)
    assignment = assignment_create_direct(job=job, teen=teen, by=coordinator)
    assert_on_record("marketplace.assignment.confirmed", actor=coordinator, exchange=exchange, subject=teen)
    assignment_cancel(assignment=assignment, by=coordinator, reason="Krank")
    assert_on_record("marketplace.assignment.cancelled", actor=coordinator, exchange=exchange, subject=teen)

    with django_capture_on_commit_callbacks(execute=True):
        broadcast = broadcast_send(exchange=exchange, by=coordinator, title="Sommerfest", message="Samstag",
                                   filters={})
    entry = entry_for("marketplace.broadcast.sent")
    # A broadcast concerns a group, not one person: the entry names the broadcast and how many.
    assert (entry.actor, entry.exchange_id, entry.target_id, entry.data["recipients"]) == (
        coordinator, exchange.pk, broadcast.pk, 1)

    # And each of them shows on the console's page.
    shown = set(whats(coordinator_client.get(AUDIT)))
    assert {"Jugendliche/n freigeschaltet", "Auftraggeber freigeschaltet", "Seite einer/eines Jugendlichen angesehen",
            "Seite eines Auftraggebers angesehen", "Auftrag freigegeben", "Vermittelt", "Vermittlung abgesagt",
            "Rundnachricht gesendet"} <= shown


def test_approving_and_rejecting_a_job_name_the_provider_as_the_person_concerned(coordinator, exchange, hilde):
    approved = job_create(provider=hilde, by=hilde.user, data=job_data())
    rejected = job_create(provider=hilde, by=hilde.user, data=job_data(title="Fenster putzen"))
    job_approve(job=approved, by=coordinator)
    job_reject(job=rejected, by=coordinator, reason="Gewerblich")
    assert_on_record("marketplace.job.approved", actor=coordinator, exchange=exchange, subject=hilde)
    assert_on_record("marketplace.job.rejected", actor=coordinator, exchange=exchange, subject=hilde)
