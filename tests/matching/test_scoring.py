"""The soft score: what moves a pair up, and the German reasons shown for it."""

import dataclasses
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import scoring
from matching.scoring import WEIGHTS, Weights, score
from matching.types import Category, History, Job, Teen

GARDEN = Category("garden", 14, True, "Garten")


def teen(**changes):
    fields = dict(id=1, exchange_id=1, birth_date=date(2009, 1, 1), in_compulsory_school=False,
                  lat=50.8, lon=6.48, radius_km=10.0)
    fields.update(changes)
    return Teen(**fields)


def job(**changes):
    fields = dict(id=1, exchange_id=1, provider_id=7, category=GARDEN, lat=50.8, lon=6.48,
                  starts_at=datetime(2026, 6, 17, 15), ends_at=datetime(2026, 6, 17, 17))
    fields.update(changes)
    return Job(**fields)


def test_the_weights_live_in_one_place_and_add_up_to_100():
    assert WEIGHTS.total() == pytest.approx(100)
    assert set(f.name for f in dataclasses.fields(Weights)) == {
        "distance", "interest", "good_with_provider", "few_recent_jobs", "few_recent_notifications", "reliability"}


def test_closer_scores_higher():
    near, _ = score(teen(), job(), 1.0)
    far, _ = score(teen(), job(), 8.0)
    assert near > far


def test_distance_counts_relative_to_the_smaller_radius():
    # 4 km is at the edge for a job that looks within 5 km, but near for a teen with 25 km.
    wide, _ = score(teen(radius_km=25.0), job(), 4.0)
    narrow, _ = score(teen(radius_km=25.0), job(radius_km=5.0), 4.0)
    assert wide - narrow == pytest.approx(WEIGHTS.distance * (4 / 5 - 4 / 25), abs=0.01)


def test_interest_in_the_category_adds_its_weight_and_says_so():
    plain, plain_reasons = score(teen(), job(), 2.0)
    keen, keen_reasons = score(teen(interests=frozenset({"garden"})), job(), 2.0)
    assert keen - plain == pytest.approx(WEIGHTS.interest, abs=0.01)
    assert "Interessiert sich für Garten" in keen_reasons
    assert not any(r.startswith("Interessiert") for r in plain_reasons)


def test_the_category_label_falls_back_to_the_default_names_and_the_slug():
    keen = teen(interests=frozenset({"garden", "knitting"}))
    assert "Interessiert sich für Garten" in score(keen, job(category=Category("garden")), 1.0)[1]
    assert "Interessiert sich für knitting" in score(keen, job(category=Category("knitting")), 1.0)[1]


def test_the_distance_is_a_reason_rounded_to_half_a_km():
    assert score(teen(), job(), 1.4)[1][0] == "1,5 km entfernt"
    assert score(teen(), job(), 0.0)[1][0] == "Gleiche Postleitzahl"


def test_good_past_work_for_this_provider_moves_a_teen_up():
    known = teen(history=History(good_with_provider={7: 2}))
    other = teen(history=History(good_with_provider={8: 2}))
    assert score(known, job(), 2.0)[0] > score(other, job(), 2.0)[0]
    assert "Hat schon gut für diese Person gearbeitet" in score(known, job(), 2.0)[1]
    assert "Hat schon gut für diese Person gearbeitet" not in score(other, job(), 2.0)[1]


def test_fewer_recent_jobs_and_notifications_come_first():
    busy = teen(history=History(done=5, recent_jobs=3, recent_notifications=4))
    idle = teen(history=History(done=5, recent_jobs=0, recent_notifications=0))
    assert score(idle, job(), 2.0)[0] > score(busy, job(), 2.0)[0]
    assert "Kam zuletzt seltener zum Zug" in score(idle, job(), 2.0)[1]
    assert "Kam zuletzt seltener zum Zug" not in score(busy, job(), 2.0)[1]
    assert score(teen(history=History(recent_notifications=0)), job(), 2.0)[0] > \
        score(teen(history=History(recent_notifications=6)), job(), 2.0)[0]


def test_a_newcomer_is_said_to_be_new():
    assert "Neu dabei" in score(teen(), job(), 2.0)[1]


def test_reliability_counts_jobs_done_no_shows_and_ratings():
    reliable = teen(history=History(done=12, no_shows=0, rating_avg=4.8, recent_jobs=1))
    unreliable = teen(history=History(done=12, no_shows=4, rating_avg=4.8, recent_jobs=1))
    poorly_rated = teen(history=History(done=12, no_shows=0, rating_avg=2.0, recent_jobs=1))
    assert score(reliable, job(), 2.0)[0] > score(unreliable, job(), 2.0)[0]
    assert score(reliable, job(), 2.0)[0] > score(poorly_rated, job(), 2.0)[0]
    assert "Zuverlässig: 12 Einsätze, keiner verpasst, im Schnitt 4,8 Sterne" in score(reliable, job(), 2.0)[1]
    assert not any(r.startswith("Zuverlässig") for r in score(unreliable, job(), 2.0)[1])
    assert "Zuverlässig: 12 Einsätze, keiner verpasst" in score(poorly_rated, job(), 2.0)[1]


def test_other_weights_can_be_passed_for_an_experiment():
    keen = teen(interests=frozenset({"garden"}))
    no_interest = Weights(distance=55.0, interest=0.0)
    assert no_interest.total() == pytest.approx(100)
    assert score(keen, job(), 0.0, no_interest)[0] - score(teen(), job(), 0.0, no_interest)[0] == 0


histories = st.builds(
    History,
    done=st.integers(0, 500), no_shows=st.integers(0, 50),
    rating_avg=st.none() | st.floats(1, 5),
    good_with_provider=st.dictionaries(st.integers(1, 10), st.integers(0, 20), max_size=3),
    recent_jobs=st.integers(0, 50), recent_notifications=st.integers(0, 50),
)


@given(histories, st.floats(0, 30), st.floats(0, 30), st.none() | st.floats(0, 30), st.booleans())
def test_the_score_stays_between_0_and_100(history, distance, teen_radius, job_radius, keen):
    t = teen(history=history, radius_km=teen_radius, interests=frozenset({"garden"} if keen else ()))
    points, reasons = score(t, job(radius_km=job_radius), distance)
    assert 0 <= points <= 100
    assert reasons and reasons[0].endswith(("km entfernt", "Postleitzahl"))
    assert round(points, 2) == points


def test_the_best_possible_pair_comes_close_to_100():
    best = teen(interests=frozenset({"garden"}),
                history=History(done=500, rating_avg=5.0, good_with_provider={7: 3}))
    assert score(best, job(), 0.0)[0] > 99
    assert scoring.GOOD_WITH_PROVIDER_SATURATION == 3
