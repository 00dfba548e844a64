"""What a teen's certificate ("Nachweis für Bewerbungen") lists: her done jobs in a period.

Only the jobs of the exchange that signs the certificate (her current one): a coordinator
vouches for what her own exchange arranged and never sees another exchange's jobs. A job is
described neutrally; the provider's name and address never appear (DESIGN section 8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Min
from django.utils import timezone

from ..models import Assignment, AssignmentStatus, Job, TeenProfile


@dataclass(frozen=True)
class CertificateEntry:
    day: date
    category: str
    activity: str
    minutes: int


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    count: int
    minutes: int


@dataclass(frozen=True)
class CertificateEntries:
    entries: list[CertificateEntry]
    by_category: list[CategoryTotal]
    count: int
    minutes: int


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\W\d_]+", text.casefold()) if len(w) >= 3]


def neutral_activity(job: Job) -> str:
    """The job's short description, unless the provider wrote her own name or street into it
    ("Rasen mähen bei Frau Muster"): then only the category, which names the kind of work."""
    provider = job.provider
    private = set(_words(f"{provider.first_name} {provider.last_name} {job.street} {provider.street}"))
    private -= {"str", "straße", "strasse", "weg", "platz", "allee", "gasse"}
    title = " ".join(job.title.split())
    if not title or private & set(_words(title)) or job.postcode_id in title:
        return job.category.name
    return title


def certificate_entries(*, teen: TeenProfile, start: date, end: date) -> CertificateEntries:
    """Her done jobs whose start falls on a day from `start` to `end` (both included, local
    time), oldest first, with the hours per category and overall. Hours are the minutes the
    provider confirmed, or the planned duration where none were recorded."""
    if teen.exchange_id is None:
        return CertificateEntries(entries=[], by_category=[], count=0, minutes=0)
    assignments = (Assignment.objects
                   .filter(teen=teen, status=AssignmentStatus.DONE, job__exchange_id=teen.exchange_id,
                           starts_at__gte=_day_start(start), starts_at__lt=_day_start(end + timedelta(days=1)))
                   .select_related("job__category", "job__provider")
                   .order_by("starts_at", "id"))
    entries: list[CertificateEntry] = []
    totals: dict[str, list[int]] = {}
    for a in assignments:
        minutes = a.minutes_worked
        if minutes is None:
            minutes = int((a.ends_at - a.starts_at).total_seconds() // 60)
        category = a.job.category.name
        entries.append(CertificateEntry(day=timezone.localtime(a.starts_at).date(), category=category,
                                        activity=neutral_activity(a.job), minutes=minutes))
        total = totals.setdefault(category, [0, 0])
        total[0] += 1
        total[1] += minutes
    # The category with the most hours first: what she did most is what an employer reads first.
    by_category = sorted((CategoryTotal(category=name, count=n, minutes=m) for name, (n, m) in totals.items()),
                         key=lambda t: (-t.minutes, t.category))
    return CertificateEntries(entries=entries, by_category=by_category, count=len(entries),
                              minutes=sum(e.minutes for e in entries))


@dataclass(frozen=True)
class CertificateOverview:
    count: int
    first: date | None
    last: date | None


def certificate_overview(*, teen: TeenProfile) -> CertificateOverview:
    """How many done jobs a certificate of her exchange could list at all, and since when: helps
    to choose the period. One query."""
    if teen.exchange_id is None:
        return CertificateOverview(count=0, first=None, last=None)
    row = (Assignment.objects.filter(teen=teen, status=AssignmentStatus.DONE, job__exchange_id=teen.exchange_id)
           .aggregate(count=Count("id"), first=Min("starts_at"), last=Max("starts_at")))
    return CertificateOverview(
        count=row["count"],
        first=timezone.localtime(row["first"]).date() if row["first"] else None,
        last=timezone.localtime(row["last"]).date() if row["last"] else None,
    )
