"""Shared data for the marketplace API tests: a world with one exchange, its people, and the
dates and bodies the tests post."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Assignment

BERLIN = ZoneInfo("Europe/Berlin")
# Strings that must never appear where DESIGN section 8 forbids them.
JOB_STREET = "Lindenweg 7"
PROVIDER_PHONE = "02421 987654"
TEEN_PHONE = "0151 5550101"
TEEN_LAST_NAME = "Schmitz"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def next_weekday(weekday: int, hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    """The next such weekday (never today) at that local time."""
    today = timezone.localdate()
    days = (weekday - today.weekday()) % 7 or 7
    return datetime.combine(today + timedelta(days=days + 7 * weeks), time(hour, minute), tzinfo=BERLIN)


def next_saturday(hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    return next_weekday(5, hour, minute, weeks)


def job_body(**overrides) -> dict:
    """A garden job next Saturday 11:00–12:30 at 8 €/h, as JSON."""
    body = {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten, Rechen ist da.",
            "street": JOB_STREET, "postcode": "52349",
            "starts_at": next_saturday(11).isoformat(), "ends_at": next_saturday(12, 30).isoformat(),
            "hourly_rate": "8.00", "helpers_needed": 1}
    body.update(overrides)
    return body


def move_into_the_past(assignment_id: int) -> None:
    """The job took place: start and end two hours and half an hour ago."""
    now = timezone.now()
    Assignment.objects.filter(pk=assignment_id).update(starts_at=now - timedelta(hours=2),
                                                        ends_at=now - timedelta(minutes=30))
