"""Invalidate cached feeds when anything they depend on changes (marketplace.feed_cache)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .feed_cache import exchange_changed
from .models import (
    Application,
    Assignment,
    BlockedPair,
    Category,
    Feedback,
    Job,
    Policy,
    SchoolHoliday,
)


@receiver([post_save, post_delete], sender=Job)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Policy)
@receiver([post_save, post_delete], sender=SchoolHoliday)
@receiver([post_save, post_delete], sender=BlockedPair)
def _exchange_row_changed(sender, instance, **kwargs):
    exchange_changed(instance.exchange_id)


@receiver([post_save, post_delete], sender=Application)
@receiver([post_save, post_delete], sender=Assignment)
def _job_row_changed(sender, instance, **kwargs):
    # The job's exchange is the teen's: no extra query.
    exchange_changed(getattr(instance.teen, "exchange_id", None))


@receiver([post_save, post_delete], sender=Feedback)
def _feedback_changed(sender, instance, **kwargs):
    exchange_changed(instance.assignment.teen.exchange_id)
