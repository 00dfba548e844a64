"""The coordinator's "Today" page in Chromium (issue 6): she takes an open job that starts
tomorrow and has no helper yet from the 48-hour queue, assigns the best candidate (the first one
the engine lists) on the job's page, and both sides are told: the teen and the provider each get
the confirmation in the outbox, and the teen reads it in her inbox. And the page, with every
queue full, reads on a phone with large text.
"""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Assignment, AvailabilitySlot, JobStatus
from marketplace.selectors.today import QUEUES
from marketplace.services.jobs import job_create
from notifications.models import Channel, Notification
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.test_console_today import World

from .conftest import assert_accessible, assert_same_origin
from .helpers import at, expect, follow, log_in, see_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Einkauf für morgen"
CONFIRMED = "application.accepted"  # marketplace.notify.assignment_confirmed


def adult_helper(exchange, *, name: str, postcode: str, email: str, weekday: int):
    """A 19-year-old out of school (only the policy's limits apply), free on `weekday` 10–16."""
    teen = make_teen(exchange, age=19, in_compulsory_school=False, first_name=name, postcode=postcode,
                     radius_km=10, email=email)
    if weekday != 5:  # make_teen makes her free on Saturdays from 10 to 16 already
        AvailabilitySlot.objects.create(teen=teen, weekday=weekday, start=time(10), end=time(16))
    return teen


def test_a_coordinator_fills_tomorrows_job_from_today_and_both_sides_are_told(new_page, exchange):
    tomorrow = timezone.localdate() + timedelta(days=1)
    provider = make_provider(exchange, email="hildegard@example.org")
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    helpers = {
        "Mia": adult_helper(exchange, name="Mia", postcode="52349", email="mia@example.org",
                            weekday=tomorrow.weekday()),
        "Ben": adult_helper(exchange, name="Ben", postcode="52372", email="ben@example.org",
                            weekday=tomorrow.weekday()),
    }
    start = timezone.make_aware(datetime.combine(tomorrow, time(11)))
    # Taken on the phone by the coordinator: published at once, nobody has applied.
    job = job_create(provider=provider, by=coordinator, data={
        "category": "shopping", "title": TITLE, "description": "Wasser und Obst vom Markt",
        "starts_at": start, "ends_at": start + timedelta(minutes=90), "hourly_rate": Decimal("8.00"),
        "helpers_needed": 1})
    assert job.status == JobStatus.OPEN and job.helpers_accepted == 0

    # --- Today: the job is in the 48-hour queue -------------------------------------------
    page = new_page()
    log_in(page, coordinator.email, who="coordinator")
    expect(page).to_have_url(at("/koordination/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Heute in der Koordination")
    assert_same_origin(page)
    assert_accessible(page, context="coordinator: Today")
    queue = page.locator("#warteschlange-unfilled")
    expect(queue.get_by_role("heading", level=2)).to_contain_text("Beginnen in 48 Stunden, Helfer fehlen")
    item = queue.get_by_role("listitem").filter(has_text=TITLE)
    expect(item).to_contain_text("noch 1 Platz frei")
    expect(item).to_contain_text(re.compile(r"beginnt in \d+"))

    # --- the job's page: the engine's candidates, best first ------------------------------
    follow(page, item.get_by_role("link", name=TITLE), url=at(f"/koordination/auftraege/{job.pk}/"))
    assert_accessible(page, context="coordinator: job page with candidates")
    rows = page.locator("table.cj-candidates tbody tr")
    expect(rows, "both helpers are candidates").to_have_count(2)
    best = rows.first.locator("th a").inner_text().strip()
    assert best in helpers, best
    follow(page, rows.first.get_by_role("button", name=re.compile("^Direkt vermitteln")),
           url=at(f"/koordination/auftraege/{job.pk}/"))
    see_message(page, re.compile(rf"{best} ist für „{TITLE}“ am .* vermittelt"))
    assert_accessible(page, context="coordinator: job page after assigning")

    teen = helpers[best]
    assignment = Assignment.objects.get(job=job)
    assert assignment.teen == teen
    job.refresh_from_db()
    assert (job.status, job.helpers_accepted) == (JobStatus.FILLED, 1)

    # --- both sides are told ---------------------------------------------------------------
    told_teen = Notification.objects.filter(user=teen.user, kind=CONFIRMED)
    told_provider = Notification.objects.filter(user=provider.user, kind=CONFIRMED)
    assert set(told_teen.values_list("channel", flat=True)) >= {Channel.INAPP, Channel.EMAIL}
    assert set(told_provider.values_list("channel", flat=True)) >= {Channel.INAPP, Channel.EMAIL}
    assert not Notification.objects.filter(kind=CONFIRMED).exclude(user__in=[teen.user, provider.user]).exists()

    # Today no longer lists the job.
    follow(page, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Koordination"),
           url=at("/koordination/"))
    expect(page.locator("#warteschlange-unfilled")).not_to_contain_text(TITLE)
    expect(page.locator("#warteschlange-unfilled")).to_contain_text("Alle Aufträge der nächsten 48 Stunden sind besetzt.")

    # --- the teen reads it in her inbox ----------------------------------------------------
    teen_page = new_page()
    log_in(teen_page, teen.user.email, who="teen")
    teen_page.goto("/nachrichten/")
    assert_accessible(teen_page, context="teen: inbox")
    message = teen_page.get_by_role("listitem").filter(
        has=teen_page.get_by_role("heading", name=re.compile(f"Zusage: Du hast den Auftrag „{TITLE}“")))
    expect(message, "the confirmation is in the teen's inbox").to_have_count(1)
    expect(message).to_contain_text("Hildegard Muster")
    assert_same_origin(teen_page)


def test_today_with_every_queue_full_reads_well_on_a_phone_with_large_text(new_page, exchange):
    world = World(exchange, "52349")
    for key in QUEUES:
        for age in range(3):
            world.add(key, f"{key}-{age}", age=age)
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    page = new_page(viewport={"width": 360, "height": 740})
    log_in(page, coordinator.email, who="coordinator")
    # Large text: the root font size 30 % up, as a phone's text size setting does.
    page.add_style_tag(content="html { font-size: 130%; }")
    assert_accessible(page, context="coordinator: Today with every queue full")
    for key in QUEUES:
        section = page.locator(f"#warteschlange-{key.replace('_', '-')}")
        expect(section.get_by_role("heading", level=2)).to_contain_text("3")
        expect(section).to_contain_text(f"{key}-2")
    # No sideways scrolling: every item wraps (WCAG 1.4.10).
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 360px wide screen"
    assert_same_origin(page)
