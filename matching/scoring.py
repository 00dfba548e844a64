"""The soft score of an eligible pair, with its reasons in German.

The score only orders pairs that already passed every hard rule; it never makes a pair eligible.
It lies in [0, 100]: each factor below yields a share in [0, 1], multiplied by its weight, and
the weights add up to 100. So a weight reads as "points at most" ("distance is worth up to 35 of
100 points"), and a coordinator can be told how a score came about.

Factors (share in [0, 1]):
- distance: 1 at the same place, falling linearly to 0 at the pair's effective radius (the
  smaller of the teen's radius and the job's). Relative to the radius, because 4 km is far for a
  teen who asked for 5 km and near for one who asked for 25 km.
- interest: 1 if the job's category is among the teen's interests, else 0.
- good_with_provider: jobs done for this provider with a good rating (4–5 stars), saturating at
  `GOOD_WITH_PROVIDER_SATURATION`: one good job already counts for a third.
- few_recent_jobs / few_recent_notifications: 1 / (1 + n). Teens who did not get anything lately
  move up, so that the chances spread over the whole group instead of going to the same three.
- reliability: the share of jobs turned up for, smoothed towards 1/2 for newcomers
  ((done + 1) / (done + no_shows + 2), a Laplace estimate, so nobody is punished for being new),
  blended with the average rating mapped from 1–5 stars to 0–1 (1/2 without ratings).

Scores are rounded to 2 decimals, so equal pairs tie exactly and the engine's tie-breaks (start
time, then id) decide.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .geo import format_km, round_half_km
from .types import Job, Teen


@dataclass(frozen=True, slots=True)
class Weights:
    """Points at most per factor; they add up to 100 (checked on import)."""

    distance: float = 35.0
    interest: float = 20.0
    good_with_provider: float = 12.0
    few_recent_jobs: float = 10.0
    few_recent_notifications: float = 5.0
    reliability: float = 18.0

    def total(self) -> float:
        return sum(getattr(self, f.name) for f in fields(self))


WEIGHTS = Weights()
assert abs(WEIGHTS.total() - 100.0) < 1e-9, "the weights must add up to 100"

# How many good jobs for the same provider earn the full share.
GOOD_WITH_PROVIDER_SATURATION = 3
# Within reliability: the share of turning up counts more than the stars.
RELIABILITY_SHOW_UP_SHARE = 0.6
# Reasons for the feed are only given when they are clearly true.
RELIABLE_MIN_DONE = 3
RELIABLE_MAX_NO_SHOW_RATE = 0.1
GOOD_RATING = 4.5

# Fallback labels when the adapter gives no category name (the default categories' names).
CATEGORY_LABELS = {
    "garden": "Garten",
    "shopping": "Einkaufen und Besorgungen",
    "pets": "Haustiere",
    "household": "Leichte Hilfe im Haushalt",
    "digital": "Handy- und PC-Hilfe",
    "company": "Vorlesen und Gesellschaft",
    "tutoring": "Nachhilfe",
    "babysitting": "Babysitten",
    "carrying": "Leichtes Tragen",
}


def effective_radius_km(teen: Teen, job: Job) -> float:
    """The distance a pair may be apart: within the teen's radius and within the job's."""
    if job.radius_km is None:
        return teen.radius_km
    return min(teen.radius_km, job.radius_km)


def distance_reason(distance_km: float) -> str:
    shown = round_half_km(distance_km)
    if shown == 0.0:
        return "Gleiche Postleitzahl"
    return f"{format_km(shown)} km entfernt"


def category_label(job: Job) -> str:
    category = job.category
    return category.name or CATEGORY_LABELS.get(category.slug, category.slug)


def score(teen: Teen, job: Job, distance_km: float, weights: Weights = WEIGHTS) -> tuple[float, tuple[str, ...]]:
    """The score in [0, 100] of an eligible pair and the reasons for it, most telling first.

    `distance_km` is the exact great-circle distance (the reason shows it rounded to 0.5 km).
    """
    history = teen.history
    reasons = [distance_reason(distance_km)]

    radius = effective_radius_km(teen, job)
    if radius > 0.0:
        closeness = 1.0 - distance_km / radius
        closeness = 0.0 if closeness < 0.0 else (1.0 if closeness > 1.0 else closeness)
    else:
        closeness = 1.0
    points = weights.distance * closeness

    if job.category.slug in teen.interests:
        points += weights.interest
        reasons.append(f"Interessiert sich für {category_label(job)}")

    good = history.good_with_provider.get(job.provider_id, 0)
    if good > 0:
        points += weights.good_with_provider * min(good, GOOD_WITH_PROVIDER_SATURATION) / GOOD_WITH_PROVIDER_SATURATION
        reasons.append("Hat schon gut für diese Person gearbeitet")

    done = max(history.done, 0)
    no_shows = max(history.no_shows, 0)
    show_up = (done + 1) / (done + no_shows + 2)
    rating = history.rating_avg
    stars = 0.5 if rating is None else min(max((rating - 1.0) / 4.0, 0.0), 1.0)
    points += weights.reliability * (RELIABILITY_SHOW_UP_SHARE * show_up + (1.0 - RELIABILITY_SHOW_UP_SHARE) * stars)
    if done >= RELIABLE_MIN_DONE and no_shows <= RELIABLE_MAX_NO_SHOW_RATE * (done + no_shows):
        missed = "keiner verpasst" if no_shows == 0 else f"{no_shows} verpasst"
        text = f"Zuverlässig: {done} Einsätze, {missed}"
        if rating is not None and rating >= GOOD_RATING:
            text += f", im Schnitt {rating:.1f} Sterne".replace(".", ",")
        reasons.append(text)

    recent_jobs = max(history.recent_jobs, 0)
    recent_notifications = max(history.recent_notifications, 0)
    points += weights.few_recent_jobs / (1 + recent_jobs)
    points += weights.few_recent_notifications / (1 + recent_notifications)
    if recent_jobs == 0 and done > 0:
        # Only for teens who have worked before: for a newcomer "seldom" would say nothing.
        reasons.append("Kam zuletzt seltener zum Zug")
    elif done == 0 and no_shows == 0:
        reasons.append("Neu dabei")

    return round(points, 2), tuple(reasons)
