"""Filters for the message texts. A notification's context is plain JSON (DESIGN section 9), so
times arrive as ISO strings; these turn them back into dates that Django's `date` and `time`
filters write in the recipient's language ("Samstag, 14. März" / "Saturday, 14 March")."""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()


@register.filter
def as_datetime(value) -> datetime | str:
    """An ISO date-time as an aware datetime ("" when empty or malformed)."""
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) and value else None
    if parsed is None:
        return ""
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@register.filter
def as_date(value) -> date | str:
    """An ISO date (or the date of an ISO date-time) as a date ("" when empty or malformed)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return ""
    moment = parse_datetime(value) if "T" in value else None
    if moment is not None:
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return parse_date(value) or ""
