"""Automatic anonymisation (DESIGN section 8): teens past the exchange's upper age and accounts
inactive longer than the exchange's period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Q

from accounts.services import user_delete

from ..models import Exchange, ProviderProfile, ProviderStatus, TeenProfile, TeenStatus


def _birth_date_limit(today: date, max_age: int) -> date:
    """Teens born before this date are older than `max_age` today."""
    try:
        return today.replace(year=today.year - max_age - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - max_age - 1, day=28)


def teens_apply_retention(*, now: datetime) -> dict:
    today = now.date()
    counts = {"aged_out": 0, "inactive": 0, "providers_inactive": 0}
    for exchange in Exchange.objects.select_related("policy"):
        policy = exchange.policy
        cutoff = now - timedelta(days=policy.inactivity_anonymise_after_days)
        teens = TeenProfile.objects.filter(exchange=exchange).exclude(
            status__in=[TeenStatus.DELETED, TeenStatus.AGED_OUT]).select_related("user")
        aged = teens.filter(birth_date__lte=_birth_date_limit(today, policy.max_age))
        for teen in aged:
            teen.status = TeenStatus.AGED_OUT
            teen.save(update_fields=["status"])
            user_delete(user=teen.user)
            counts["aged_out"] += 1
        inactive = teens.filter(
            Q(user__last_login__lt=cutoff) | Q(user__last_login__isnull=True, user__date_joined__lt=cutoff)
        )
        for teen in inactive:
            user_delete(user=teen.user)
            counts["inactive"] += 1
        providers = ProviderProfile.objects.filter(exchange=exchange, user__isnull=False).exclude(
            status=ProviderStatus.DELETED).filter(
            Q(user__last_login__lt=cutoff) | Q(user__last_login__isnull=True, user__date_joined__lt=cutoff))
        for provider in providers.select_related("user"):
            user_delete(user=provider.user)
            counts["providers_inactive"] += 1
    return counts
