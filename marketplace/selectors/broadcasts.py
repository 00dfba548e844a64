"""Reads of the broadcasts: who a message would reach, and what was sent.

The age classes are the legal classes of the matching engine (DESIGN section 4), taken today: a
broadcast is about the teen as she is now, not on the date of some job.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from matching.rules import LegalClass, legal_class

from ..models import Broadcast, Category, Exchange, Postcode, TeenProfile, TeenStatus
from . import exchanges_for_coordinator
from .stats import AGE_ADULT, AGE_CHILD, AGE_LABELS, AGE_YOUTH

AGE_CLASS_CHOICES = [(key, AGE_LABELS[key]) for key in (AGE_CHILD, AGE_YOUTH, AGE_ADULT)]
# Under 13 nobody may work (§ 5 Abs. 1 JArbSchG) and no policy admits it, but should such a teen
# be active she is a child for whoever writes to "the children".
_CLASS_OF = {LegalClass.TOO_YOUNG: AGE_CHILD, LegalClass.CHILD: AGE_CHILD,
             LegalClass.YOUTH: AGE_YOUTH, LegalClass.ADULT: AGE_ADULT}
FILTER_KEYS = ("age_classes", "postcodes", "interests")


def _age_class(birth_date: date | None, in_compulsory_school: bool, today: date) -> str | None:
    if birth_date is None:
        return None
    return _CLASS_OF[legal_class(birth_date, in_compulsory_school, today)]


def age_class_of(teen: TeenProfile, today: date) -> str | None:
    return _age_class(teen.birth_date, teen.in_compulsory_school, today)


def normalise_filters(filters: dict | None) -> dict:
    """{"age_classes": [...], "postcodes": [...], "interests": [...]}, each sorted and without
    duplicates; empty lists mean "no restriction"."""
    filters = filters or {}
    return {key: sorted({str(v) for v in (filters.get(key) or [])}) for key in FILTER_KEYS}


def _active_teens(exchange: Exchange, filters: dict) -> QuerySet[TeenProfile]:
    teens = TeenProfile.objects.filter(exchange=exchange, status=TeenStatus.ACTIVE, user__is_active=True)
    if filters["postcodes"]:
        teens = teens.filter(postcode_id__in=filters["postcodes"])
    if filters["interests"]:
        teens = teens.filter(pk__in=TeenProfile.interests.through.objects.filter(
            category__exchange=exchange, category__slug__in=filters["interests"]).values("teenprofile_id"))
    return teens


def broadcast_recipients(*, exchange: Exchange, filters: dict, today: date | None = None) -> list[TeenProfile]:
    """The active teens of `exchange` a broadcast with `filters` reaches, with their accounts.
    Within one filter any value matches (postcode A or B); the filters add up (a child AND in
    52349). Only status ACTIVE: a paused teen asked for quiet, a suspended one is out."""
    filters = normalise_filters(filters)
    today = today or timezone.localdate()
    teens = list(_active_teens(exchange, filters).select_related("user").order_by("pk"))
    if filters["age_classes"]:
        wanted = set(filters["age_classes"])
        teens = [t for t in teens if age_class_of(t, today) in wanted]
    return teens


def broadcast_recipient_count(*, exchange: Exchange, filters: dict, today: date | None = None) -> int:
    """How many `broadcast_recipients` would return, without loading the teens (the preview)."""
    filters = normalise_filters(filters)
    teens = _active_teens(exchange, filters)
    if not filters["age_classes"]:
        return teens.count()
    today = today or timezone.localdate()
    wanted = set(filters["age_classes"])
    return sum(1 for birth_date, pupil in teens.values_list("birth_date", "in_compulsory_school")
               if _age_class(birth_date, pupil, today) in wanted)


def broadcast_postcodes(exchange: Exchange) -> QuerySet[Postcode]:
    return Postcode.objects.filter(service_area__exchange=exchange).order_by("code")


def broadcast_categories(exchange: Exchange) -> QuerySet[Category]:
    return Category.objects.filter(exchange=exchange, active=True).order_by("position", "name")


def broadcasts_for_coordinator(*, user: User) -> QuerySet[Broadcast]:
    return (Broadcast.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
            .select_related("exchange", "created_by").order_by("-created_at", "-id"))


def filter_summaries(broadcasts) -> dict[int, str]:
    """A line per broadcast that says whom it was for ("Kinder; 52349 Düren; Garten"), in two
    queries for the whole page."""
    broadcasts = list(broadcasts)
    codes = {c for b in broadcasts for c in (b.filters or {}).get("postcodes", [])}
    places = dict(Postcode.objects.filter(code__in=codes).values_list("code", "place")) if codes else {}
    slugs = {s for b in broadcasts for s in (b.filters or {}).get("interests", [])}
    names = {}
    if slugs:
        for exchange_id, slug, name in Category.objects.filter(
                exchange_id__in={b.exchange_id for b in broadcasts}, slug__in=slugs).values_list(
                "exchange_id", "slug", "name"):
            names[(exchange_id, slug)] = name
    classes = dict(AGE_CLASS_CHOICES)
    out = {}
    for b in broadcasts:
        f = normalise_filters(b.filters)
        parts = [", ".join(str(classes.get(c, c)) for c in f["age_classes"]),
                 ", ".join(f"{c} {places.get(c, '')}".strip() for c in f["postcodes"]),
                 ", ".join(names.get((b.exchange_id, s), s) for s in f["interests"])]
        out[b.pk] = "; ".join(p for p in parts if p) or str(_("Alle aktiven Jugendlichen"))
    return out
