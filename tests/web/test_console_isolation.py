"""Issue 6, "done when": a coordinator of exchange A sees nothing of exchange B anywhere — in
the console, in the exports and in the API.

Exchange B (Aachen) gets an item in every queue of the console, a confirmed match, a block, a
broadcast, a school holiday, audit entries and notifications, all under names that contain
"Zebulon". Coordinator A (who may even change her exchange's settings) then
- opens every console list page and export: B's names, postcode and exchange never show;
- tries every console URL that takes an object with each of B's objects: 404, and nothing of B
  changes (the list of URLs is checked against the URL configuration, so a new console URL
  without an entry here fails this test);
- reads every list of the API and tries B's objects there: 404, nothing shown.
"""

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from accounts.services import audit_log
from marketplace.models import (
    Application,
    Assignment,
    AssignmentStatus,
    BlockedPair,
    Broadcast,
    Category,
    Incident,
    IncidentStatus,
    JobStatus,
    SchoolHoliday,
    TeenStatus,
)
from marketplace.selectors import today as queues
from notifications.models import Channel, Notification, Status
from tests.factories import make_coordinator, make_provider
from tests.web.test_console_today import World

pytestmark = pytest.mark.django_db

SECRET = "Zebulon"
# Strings of exchange B that must never reach coordinator A: the names, B's postcode and place.
LEAKS = (SECRET, "52062", "Aachen")


class ExchangeB:
    """Something of B in every place the console or the API could show it."""

    def __init__(self, other_exchange):
        world = World(other_exchange, "52062")
        world._provider = make_provider(other_exchange, postcode="52062", first_name=SECRET)
        world._provider.last_name = "Zettelmeyer"
        world._provider.save()
        self.exchange = other_exchange
        self.provider = world.provider
        self.coordinator = make_coordinator(other_exchange, email="koordination-b@example.org")
        items = {key: world.add(key, f"{SECRET}{key.title().replace('_', '')}") for key in queues.QUEUES}
        self.teen = items[queues.CONSENT]
        self.review_job = items[queues.REVIEW]
        self.open_job = items[queues.UNFILLED]
        self.incident = items[queues.INCIDENTS]
        self.feedback = items[queues.LOW_RATINGS]
        self.no_show = items[queues.NO_SHOWS]
        self.call = items[queues.CALLS]
        active = world.teen(f"{SECRET}Aktiv")
        self.application = Application.objects.create(job=self.open_job, teen=active)
        later = world.job(f"{SECRET} Rasen", starts_in=timedelta(days=6))
        self.confirmed = Assignment.objects.create(job=later, teen=world.teen(f"{SECRET}Vereinbart"),
                                                   status=AssignmentStatus.CONFIRMED, starts_at=later.starts_at,
                                                   ends_at=later.ends_at)
        self.block = BlockedPair.objects.create(exchange=other_exchange, teen=active, provider=self.provider,
                                                reason=f"{SECRET} Grund", created_by=self.coordinator)
        self.broadcast = Broadcast.objects.create(exchange=other_exchange, title=f"{SECRET} Rundbrief",
                                                  message="Hallo", recipients=1, created_by=self.coordinator)
        self.holiday = SchoolHoliday.objects.create(exchange=other_exchange, name=f"{SECRET}ferien",
                                                    start=timezone.localdate(),
                                                    end=timezone.localdate() + timedelta(days=3))
        self.category = Category.objects.get(exchange=other_exchange, slug="garden")
        self.category.name = f"{SECRET}garten"
        self.category.save()
        audit_log(actor=self.coordinator, action="marketplace.teen.viewed", target=self.teen,
                  exchange_id=other_exchange.pk, subject_user_id=self.teen.user_id)
        Notification.objects.create(user=active.user, recipient_name=f"{SECRET}Aktiv",
                                    exchange_id=other_exchange.pk, kind="broadcast", channel=Channel.INAPP,
                                    status=Status.SENT, context={"title": SECRET, "message": SECRET},
                                    key="zebulon-inbox")

    def snapshot(self) -> tuple:
        """What a wrongly scoped action would change."""
        return (
            AuditEntry.objects.filter(exchange_id=self.exchange.pk).exclude(actor=self.coordinator).exclude(
                actor__isnull=True).count(),
            type(self.teen).objects.get(pk=self.teen.pk).status,
            type(self.review_job).objects.get(pk=self.review_job.pk).status,
            Incident.objects.get(pk=self.incident.pk).status,
            Assignment.objects.get(pk=self.confirmed.pk).status,
            BlockedPair.objects.filter(pk=self.block.pk).exists(),
            SchoolHoliday.objects.filter(pk=self.holiday.pk).exists(),
            Category.objects.get(pk=self.category.pk).name,
            self.exchange.policy.__class__.objects.get(pk=self.exchange.policy.pk).min_age,
            Notification.objects.get(pk=self.call.pk).done_at,
            Broadcast.objects.filter(exchange=self.exchange).count(),
        )


@pytest.fixture
def b(other_exchange):
    return ExchangeB(other_exchange)


@pytest.fixture
def world_a(exchange):
    """A's own items, so that the pages have something to show."""
    world = World(exchange, "52349")
    for key in queues.QUEUES:
        world.add(key, f"Anna{key.title().replace('_', '')}")
    return world


@pytest.fixture
def coordinator_a(exchange):
    return make_coordinator(exchange, email="koordination-a@example.org", can_manage_settings=True)


@pytest.fixture
def client_a(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def assert_no_leak(body: str, where: str) -> None:
    for secret in LEAKS:
        assert secret not in body, f"{where} shows {secret!r} of the other exchange"


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def test_no_console_page_or_export_of_coordinator_a_shows_anything_of_exchange_b(client_a, b, world_a, exchange):
    year = timezone.localdate().year
    period = f"start={year}-01-01&end={year}-12-31"
    pages = [
        reverse("coordinator_home"),
        reverse("coordinator_teens") + "?status=all",
        reverse("coordinator_providers") + "?status=all",
        reverse("coordinator_jobs"),
        reverse("coordinator_search") + f"?q={SECRET}",
        reverse("coordinator_search") + "?q=52062",
        reverse("coordinator_search") + "?q=Zettelmeyer",
        reverse("coordinator_broadcasts"),
        reverse("coordinator_broadcast_new"),
        reverse("coordinator_audit"),
        reverse("coordinator_audit") + f"?person={b.teen.user_id}",
        reverse("coordinator_audit") + f"?name={SECRET}",
        reverse("coordinator_stats") + f"?{period}",
        reverse("coordinator_stats_csv") + f"?{period}",
        reverse("coordinator_settings"),
        reverse("coordinator_settings_exchange", args=[exchange.slug]),
        reverse("coordinator_settings_categories", args=[exchange.slug]),
        reverse("coordinator_settings_holidays", args=[exchange.slug]),
        reverse("coordinator_proposal"),
        reverse("notification_call_list"),
        reverse("notification_failed"),
        reverse("notification_inbox"),
    ]
    for path in pages:
        response = client_a.get(path, follow=True)
        assert response.status_code == 200, path
        body = _content(response)
        # A search page repeats what she typed (the search box, the language switch's return
        # address); only what the page found counts.
        for echo in (SECRET, "52062", "Zettelmeyer"):
            body = body.replace(f"={echo}", "=").replace(f'value="{echo}"', "")
        assert_no_leak(body, path)
    # The pages are not empty for her own exchange: the Today page lists A's items.
    today = client_a.get(reverse("coordinator_home")).content.decode()
    assert "AnnaConsent" in today and "AnnaIncidents" in today


def test_asking_for_exchange_b_by_its_id_is_refused_on_the_stats_the_export_and_the_broadcast_form(client_a, b):
    for name in ("coordinator_stats", "coordinator_stats_csv", "coordinator_broadcast_new"):
        response = client_a.get(reverse(name) + f"?boerse={b.exchange.pk}")
        assert response.status_code in (400, 404), name
        assert_no_leak(_content(response), name)


def _object_urls(b, exchange) -> dict[str, list[dict]]:
    """Every console URL that names an object, with B's objects (and, for the settings, B's
    objects under A's own exchange)."""
    a, slug_b = exchange.slug, b.exchange.slug
    return {
        "coordinator_teen": [{"pk": b.teen.pk}],
        "coordinator_teen_certificate": [{"pk": b.no_show.teen_id}],
        "coordinator_teen_block": [{"pk": b.block.teen_id}],
        "coordinator_provider": [{"pk": b.provider.pk}],
        "coordinator_provider_block": [{"pk": b.provider.pk}],
        "coordinator_job": [{"pk": b.open_job.pk}, {"pk": b.review_job.pk}],
        "coordinator_job_approve": [{"pk": b.review_job.pk}],
        "coordinator_job_reject": [{"pk": b.review_job.pk}],
        "coordinator_job_assign": [{"pk": b.open_job.pk}],
        "coordinator_incident": [{"pk": b.incident.pk}],
        "coordinator_incident_close": [{"pk": b.incident.pk}],
        "coordinator_feedback_reviewed": [{"pk": b.feedback.pk}],
        "coordinator_no_show_reviewed": [{"pk": b.no_show.pk}],
        "coordinator_block_delete": [{"pk": b.block.pk}],
        "coordinator_assignment_cancel": [{"pk": b.confirmed.pk}],
        "coordinator_assignment_reassign": [{"pk": b.confirmed.pk}],
        "coordinator_settings_exchange": [{"exchange_slug": slug_b}],
        "coordinator_settings_policy": [{"exchange_slug": slug_b}],
        "coordinator_settings_categories": [{"exchange_slug": slug_b}],
        "coordinator_settings_category": [{"exchange_slug": slug_b, "pk": b.category.pk},
                                          {"exchange_slug": a, "pk": b.category.pk}],
        "coordinator_settings_contact": [{"exchange_slug": slug_b}],
        "coordinator_settings_holidays": [{"exchange_slug": slug_b}],
        "coordinator_settings_holiday_delete": [{"exchange_slug": slug_b, "pk": b.holiday.pk},
                                                {"exchange_slug": a, "pk": b.holiday.pk}],
        "notification_call_done": [{"pk": b.call.pk}],
    }


def _console_urls_with_arguments() -> set[str]:
    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                yield pattern
    return {p.name for p in walk(get_resolver().url_patterns)
            if p.name and p.name.startswith("coordinator_") and p.pattern.converters}


# Plausible form data, so that a wrongly scoped view would act instead of failing on the form.
POST_DATA = {
    "reason": "Test", "resolution": "Test", "decision": "suspend", "teen": "", "provider": "",
    "name": "Zebulon neu", "min_age": "14", "start": "2030-01-01", "end": "2030-01-02",
}


def test_every_console_url_with_an_object_of_exchange_b_is_a_404_and_changes_nothing(client_a, b, exchange):
    urls = _object_urls(b, exchange)
    assert set(urls) >= _console_urls_with_arguments(), "a console URL is missing from this test"
    before = b.snapshot()
    for name, variants in urls.items():
        for kwargs in variants:
            path = reverse(name, kwargs=kwargs)
            got = client_a.get(path)
            assert got.status_code in (404, 405), f"GET {path}: {got.status_code}"
            posted = client_a.post(path, POST_DATA)
            # A page that only reads (GET 404) may refuse POST before it looks anything up.
            allowed = (404,) if got.status_code == 405 else (404, 405)
            assert posted.status_code in allowed, f"POST {path}: {posted.status_code}"
            assert_no_leak(got.content.decode() + posted.content.decode(), path)
    assert b.snapshot() == before


@pytest.fixture
def api_a(coordinator_a):
    client = APIClient()
    client.force_authenticate(coordinator_a)
    return client


def test_the_api_shows_coordinator_a_nothing_of_exchange_b(api_a, b, world_a):
    lists = ["/api/v1/jobs/", "/api/v1/teens/", "/api/v1/providers/", "/api/v1/assignments/",
             "/api/v1/categories/", "/api/v1/notifications/", "/api/v1/me/"]
    lists += [f"/api/v1/jobs/?status={status}" for status in JobStatus.values]
    lists += [f"/api/v1/teens/?status={status}" for status in TeenStatus.values]
    for path in lists:
        response = api_a.get(path)
        assert response.status_code == 200, path
        assert_no_leak(response.content.decode(), path)

    refused = [
        ("get", f"/api/v1/jobs/{b.open_job.pk}/"),
        ("patch", f"/api/v1/jobs/{b.open_job.pk}/"),
        ("get", f"/api/v1/jobs/{b.open_job.pk}/candidates/"),
        ("get", f"/api/v1/jobs/{b.open_job.pk}/applications/"),
        ("post", f"/api/v1/jobs/{b.open_job.pk}/assign/"),
        ("post", f"/api/v1/jobs/{b.open_job.pk}/cancel/"),
        ("post", f"/api/v1/jobs/{b.review_job.pk}/approve/"),
        ("post", f"/api/v1/jobs/{b.review_job.pk}/reject/"),
        ("post", f"/api/v1/applications/{b.application.pk}/accept/"),
        ("post", f"/api/v1/applications/{b.application.pk}/decline/"),
        ("get", f"/api/v1/assignments/{b.confirmed.pk}/"),
        ("post", f"/api/v1/assignments/{b.confirmed.pk}/cancel/"),
        ("post", f"/api/v1/assignments/{b.no_show.pk}/feedback/"),
        ("get", f"/api/v1/teens/{b.teen.pk}/"),
        ("post", f"/api/v1/teens/{b.teen.pk}/verify/"),
        ("get", f"/api/v1/providers/{b.provider.pk}/"),
        ("post", f"/api/v1/providers/{b.provider.pk}/vet/"),
    ]
    before = b.snapshot()
    for method, path in refused:
        response = getattr(api_a, method)(path, {"reason": "Test", "decision": "suspend", "stars": 1},
                                          format="json")
        assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
        assert_no_leak(response.content.decode(), path)
    assert b.snapshot() == before

    # The statistics count only her exchange, and refuse B's by its id.
    stats = api_a.get("/api/v1/stats/")
    assert stats.status_code == 200 and stats.json()["exchanges"] == [world_a.exchange.pk]
    assert api_a.get(f"/api/v1/stats/?exchange={b.exchange.pk}").status_code == 404

    proposal = api_a.post("/api/v1/proposals/", {"exchange": b.exchange.pk}, format="json")
    assert proposal.status_code in (400, 404)
    assert_no_leak(proposal.content.decode(), "/api/v1/proposals/")
    assert Incident.objects.get(pk=b.incident.pk).status == IncidentStatus.OPEN
