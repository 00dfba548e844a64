"""Reads that more than one place needs. Every coordinator read is scoped to her exchanges."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, User

from .models import Exchange, ProviderProfile, ProviderStatus, TeenProfile, TeenStatus

VERIFICATION_QUEUE_STATUSES = (TeenStatus.CONSENT_PENDING, TeenStatus.INTAKE_PENDING)


def exchanges_for_coordinator(*, user: User) -> QuerySet[Exchange]:
    if not user.is_authenticated or user.role != Role.COORDINATOR:
        return Exchange.objects.none()
    return Exchange.objects.filter(memberships__user=user)


def teens_for_coordinator(*, user: User, status: str | None = None) -> QuerySet[TeenProfile]:
    qs = (TeenProfile.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
          .select_related("exchange", "postcode", "user")
          .prefetch_related("availability", "absences", "interests", "consents"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status_changed_at", "id")


def teen_verification_queue(*, user: User) -> QuerySet[TeenProfile]:
    """Teens waiting for consent, intake or a decision: oldest first."""
    return teens_for_coordinator(user=user).filter(status__in=VERIFICATION_QUEUE_STATUSES)


def providers_for_coordinator(*, user: User, status: str | None = None) -> QuerySet[ProviderProfile]:
    qs = (ProviderProfile.objects.filter(exchange__in=exchanges_for_coordinator(user=user))
          .select_related("exchange", "postcode", "user"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def provider_vetting_queue(*, user: User) -> QuerySet[ProviderProfile]:
    return providers_for_coordinator(user=user, status=ProviderStatus.PENDING)


def coordinator_can_see_teen(*, user: User, teen: TeenProfile) -> bool:
    return teen.exchange_id is not None and exchanges_for_coordinator(user=user).filter(pk=teen.exchange_id).exists()
