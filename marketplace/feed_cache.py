"""A short-lived cache of each teen's feed.

A feed is read far more often than jobs change: the engine's answer for a teen stays valid
until a job, an application, an assignment, a policy or a category of her exchange changes, or
her own profile does. Each exchange has a version number that every such change raises (after
commit); a teen's cached feed is keyed by it and by her profile's last change, and lives at
most `FEED_CACHE_SECONDS` (a setting; 0 switches the cache off) so that jobs about to start
drop out in time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def _version_key(exchange_id: int) -> str:
    return f"feed-version:{exchange_id}"


def exchange_version(exchange_id: int) -> int:
    return cache.get_or_set(_version_key(exchange_id), 1, timeout=None)


def exchange_changed(exchange_id: int | None) -> None:
    """Raise the exchange's version now and again once the transaction commits: a feed that
    another request rebuilt in between, from data not yet committed, is thrown away too."""
    if exchange_id is None:
        return

    def bump():
        try:
            cache.incr(_version_key(exchange_id))
        except ValueError:  # not in the cache (evicted or new): any new value invalidates
            cache.set(_version_key(exchange_id), 2, timeout=None)

    bump()
    transaction.on_commit(bump)


def feed_key(teen) -> str:
    return (f"feed:{teen.pk}:{exchange_version(teen.exchange_id)}:"
            f"{teen.updated_at.timestamp() if teen.updated_at else 0}")


def cached_feed(teen, build):
    """The teen's feed from the cache, or `build()` stored for next time."""
    seconds = settings.FEED_CACHE_SECONDS
    if not seconds:
        return build()
    key = feed_key(teen)
    data = cache.get(key)
    if data is None:
        data = build()
        cache.set(key, data, timeout=seconds)
    return data
