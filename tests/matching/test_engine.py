"""The engine's answers: verdicts with every reason, a teen's feed and a job's candidates."""

import math
from datetime import date, datetime, time

import pytest

from matching import engine
from matching.engine import Snapshot, jobs_for_teen, naive_jobs_for_teen, naive_teens_for_job, teens_for_job, why_not
from matching.geo import EARTH_RADIUS_KM, haversine_km
from matching.types import Booking, Category, History, Job, Policy, Slot, Teen

HOME = (50.8009, 6.4788)  # Düren
WEDNESDAY = date(2026, 6, 17)  # a plain school day in NRW
GARDEN = Category("garden", 14, True, "Garten")
CARRYING = Category("carrying", 15, False, "Leichtes Tragen")
POLICIES = {1: Policy(), 2: Policy()}


def north(km, origin=HOME):
    """A point `km` due north of `origin`: along a meridian the distance is exact."""
    return origin[0] + math.degrees(km / EARTH_RADIUS_KM), origin[1]


def teen(id=1, *, at=HOME, **changes):
    fields = dict(id=id, exchange_id=1, birth_date=date(2009, 1, 1), in_compulsory_school=False,
                  lat=at[0], lon=at[1], radius_km=5.0,
                  availability=tuple(Slot(d, time(14), time(19)) for d in range(6)))
    fields.update(changes)
    return Teen(**fields)


def job(id=1, *, at=HOME, day=WEDNESDAY, since=15, until=17, **changes):
    fields = dict(id=id, exchange_id=1, provider_id=7, category=GARDEN, lat=at[0], lon=at[1],
                  starts_at=datetime.combine(day, time(since)), ends_at=datetime.combine(day, time(until)))
    fields.update(changes)
    return Job(**fields)


def window(id=1, *, at=HOME, first=WEDNESDAY, last=WEDNESDAY, minutes=60, **changes):
    return job(id, at=at, starts_at=None, ends_at=None, window_start=first, window_end=last,
               duration_minutes=minutes, **changes)


def snapshot(teens, jobs, **kwargs):
    return Snapshot(teens=teens, jobs=jobs, policies=POLICIES, **kwargs)


def codes(verdict):
    return [r.code for r in verdict.reasons]


def assert_same_as_naive(snap):
    for job_id in snap.jobs:
        if snap.jobs[job_id].exchange_id in snap.policies:
            assert teens_for_job(snap, job_id) == naive_teens_for_job(snap, job_id)
    for teen_id in snap.teens:
        assert jobs_for_teen(snap, teen_id) == naive_jobs_for_teen(snap, teen_id)


# --- distance ---------------------------------------------------------------------------------


def test_a_teen_just_inside_her_radius_is_offered_the_job():
    snap = snapshot([teen(radius_km=5.0)], [job(at=north(4.99))])
    verdict = why_not(snap, 1, 1)
    assert verdict.eligible and verdict.reasons == ()
    assert verdict.distance_km == 5.0
    assert [r.teen_id for r in teens_for_job(snap, 1)] == [1]
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [1]
    assert_same_as_naive(snap)


def test_a_teen_just_outside_her_radius_is_told_so():
    snap = snapshot([teen(radius_km=5.0)], [job(at=north(5.01))])
    verdict = why_not(snap, 1, 1)
    assert codes(verdict) == ["too_far_for_teen"]
    # 5.01 km shows as "5 km": the sentence must not read "5 km away, your radius is 5 km".
    assert verdict.reasons[0].message == "Etwas mehr als 5 km entfernt – dein Umkreis ist 5 km"
    assert teens_for_job(snap, 1) == [] and jobs_for_teen(snap, 1) == []
    assert_same_as_naive(snap)


def test_the_too_far_sentence_names_the_rounded_distance_and_the_radius():
    snap = snapshot([teen(radius_km=5.0)], [job(at=north(7.4))])
    assert why_not(snap, 1, 1).reasons[0].message == "7,5 km entfernt – dein Umkreis ist 5 km"
    assert why_not(snap, 1, 1).distance_km == 7.5


def test_a_teen_just_inside_the_jobs_radius_is_offered_the_job():
    snap = snapshot([teen(radius_km=25.0)], [job(at=north(2.99), radius_km=3.0)])
    assert why_not(snap, 1, 1).eligible
    assert [r.teen_id for r in teens_for_job(snap, 1)] == [1]
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [1]


def test_a_teen_just_outside_the_jobs_radius_is_told_so():
    snap = snapshot([teen(radius_km=25.0)], [job(at=north(3.01), radius_km=3.0)])
    verdict = why_not(snap, 1, 1)
    assert codes(verdict) == ["too_far_for_job"]
    assert verdict.reasons[0].message == "Etwas mehr als 3 km entfernt – der Auftrag sucht im Umkreis von 3 km"
    assert teens_for_job(snap, 1) == [] and jobs_for_teen(snap, 1) == []
    assert_same_as_naive(snap)


def test_both_radii_are_named_when_both_are_too_short():
    snap = snapshot([teen(radius_km=2.0)], [job(at=north(6.2), radius_km=3.0)])
    assert [r.message for r in why_not(snap, 1, 1).reasons] == [
        "6 km entfernt – dein Umkreis ist 2 km",
        "6 km entfernt – der Auftrag sucht im Umkreis von 3 km",
    ]


def test_the_distance_shown_is_rounded_to_half_a_km():
    snap = snapshot([teen(radius_km=10.0)], [job(at=north(3.26))])
    assert why_not(snap, 1, 1).distance_km == 3.5
    assert teens_for_job(snap, 1)[0].distance_km == 3.5
    assert teens_for_job(snap, 1)[0].reasons[0] == "3,5 km entfernt"


# --- exchanges --------------------------------------------------------------------------------


def test_a_teen_of_another_exchange_is_never_matched_even_next_door():
    snap = snapshot([teen(1), teen(2, exchange_id=2)], [job(1), job(2, exchange_id=2)])
    assert [r.teen_id for r in teens_for_job(snap, 1)] == [1]
    assert [r.teen_id for r in teens_for_job(snap, 2)] == [2]
    assert [r.job_id for r in jobs_for_teen(snap, 2)] == [2]
    verdict = why_not(snap, 2, 1)
    assert codes(verdict) == ["other_exchange"]  # named once, although the rules name it too
    assert verdict.reasons[0].message == "Gehört zu einer anderen Taschengeldbörse"
    assert_same_as_naive(snap)


def test_a_job_of_an_exchange_without_policy_has_no_answer():
    snap = Snapshot(teens=[teen(1, exchange_id=3)], jobs=[job(1, exchange_id=3)], policies=POLICIES)
    with pytest.raises(LookupError):
        teens_for_job(snap, 1)
    with pytest.raises(LookupError):
        why_not(snap, 1, 1)
    assert jobs_for_teen(snap, 1) == [] == naive_jobs_for_teen(snap, 1)


def test_unknown_ids_are_a_lookup_error():
    snap = snapshot([teen()], [job()])
    with pytest.raises(LookupError):
        why_not(snap, 1, 99)
    with pytest.raises(LookupError):
        jobs_for_teen(snap, 99)
    with pytest.raises(ValueError):
        snapshot([teen(), teen()], [])


# --- ranking ----------------------------------------------------------------------------------


def test_teens_come_closest_first_when_all_else_is_equal():
    teens = [teen(1, at=north(3.0)), teen(2, at=north(0.5)), teen(3, at=north(1.5))]
    snap = snapshot(teens, [job()])
    ranked = teens_for_job(snap, 1)
    assert [r.teen_id for r in ranked] == [2, 3, 1]
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_interest_can_outweigh_a_little_distance():
    teens = [teen(1, at=north(0.5)), teen(2, at=north(1.0), interests=frozenset({"garden"}))]
    assert [r.teen_id for r in teens_for_job(snapshot(teens, [job()]), 1)] == [2, 1]


def test_equal_scores_go_to_the_earlier_start_then_the_smaller_id():
    # Teen 5 is free from 14:00, teen 4 only from 16:00: same score, 5 gets the earlier time.
    late = tuple(Slot(d, time(16), time(19)) for d in range(6))
    teens = [teen(5), teen(4, availability=late), teen(3, availability=late)]
    snap = snapshot(teens, [window()])
    ranked = teens_for_job(snap, 1)
    assert len({r.score for r in ranked}) == 1
    assert [(r.teen_id, r.starts_at.hour) for r in ranked] == [(5, 14), (3, 16), (4, 16)]
    assert_same_as_naive(snap)


def test_a_feed_puts_the_better_job_first_then_the_earlier_then_the_smaller_id():
    keen = teen(interests=frozenset({"garden"}), radius_km=10.0)
    jobs = [
        job(1, at=north(4.0), since=17, until=18),
        job(2, at=north(4.0), since=15, until=16),
        job(3, at=north(4.0), since=15, until=16),
        job(4, at=north(0.1), since=17, until=18),
        job(5, at=north(0.1), category=Category("pets", 14, True, "Haustiere"), since=15, until=16),
    ]
    snap = snapshot([keen], jobs)
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [4, 2, 3, 1, 5]
    assert [r.job_id for r in jobs_for_teen(snap, 1, limit=2)] == [4, 2]
    assert jobs_for_teen(snap, 1, limit=0) == []
    assert_same_as_naive(snap)


def test_ranked_pairs_carry_the_time_and_the_reasons():
    t = teen(interests=frozenset({"garden"}), history=History(done=12, rating_avg=4.8, good_with_provider={7: 1}))
    ranked = teens_for_job(snapshot([t], [job(at=north(1.4))]), 1)[0]
    assert (ranked.starts_at, ranked.ends_at) == (datetime(2026, 6, 17, 15), datetime(2026, 6, 17, 17))
    assert ranked.reasons == (
        "1,5 km entfernt",
        "Interessiert sich für Garten",
        "Hat schon gut für diese Person gearbeitet",
        "Zuverlässig: 12 Einsätze, keiner verpasst, im Schnitt 4,8 Sterne",
        "Kam zuletzt seltener zum Zug",
    )


# --- why not ----------------------------------------------------------------------------------


def test_why_not_names_every_reason_for_a_named_teen():
    thirteen = teen(birth_date=date(2013, 5, 1), in_compulsory_school=True, radius_km=2.0,
                    availability=(Slot(0, time(15), time(17)),), bookings=(), blocked_providers=frozenset({7}))
    sunday_evening = job(at=north(6.2), radius_km=3.0, category=CARRYING, day=date(2026, 6, 21), since=18, until=21)
    verdict = why_not(snapshot([thirteen], [sunday_evening]), 1, 1)
    assert not verdict.eligible
    assert set(codes(verdict)) >= {
        "too_far_for_teen", "too_far_for_job", "blocked_pair", "age_below_policy", "category_min_age",
        "not_light_work", "sunday", "outside_allowed_hours", "daily_legal_max", "not_available",
    }
    assert codes(verdict)[:2] == ["too_far_for_teen", "too_far_for_job"]
    assert (verdict.starts_at, verdict.ends_at) == (sunday_evening.starts_at, sunday_evening.ends_at)
    assert all(r.message for r in verdict.reasons)


def test_why_not_for_an_eligible_teen_gives_the_suggested_time_of_a_window():
    snap = snapshot([teen()], [window(first=date(2026, 6, 20), last=date(2026, 6, 22), minutes=90)])
    verdict = why_not(snap, 1, 1)
    assert verdict.eligible
    assert (verdict.starts_at, verdict.ends_at) == (datetime(2026, 6, 20, 14), datetime(2026, 6, 20, 15, 30))
    assert teens_for_job(snap, 1)[0].starts_at == verdict.starts_at


def test_why_not_names_the_legal_reasons_of_a_teen_from_another_exchange_too():
    far_and_foreign = teen(exchange_id=2, radius_km=1.0, birth_date=date(2014, 1, 1))
    assert codes(why_not(snapshot([far_and_foreign], [job(at=north(1.6))]), 1, 1))[:3] == [
        "other_exchange", "too_far_for_teen", "too_young"]


def test_an_inactive_teen_gets_no_feed_and_is_told_why():
    snap = snapshot([teen(active=False)], [job()])
    assert jobs_for_teen(snap, 1) == [] and teens_for_job(snap, 1) == []
    assert codes(why_not(snap, 1, 1)) == ["inactive"]


def test_a_blocked_pair_is_never_matched():
    snap = snapshot([teen(blocked_providers=frozenset({7}))], [job()])
    assert teens_for_job(snap, 1) == [] and jobs_for_teen(snap, 1) == []
    assert codes(why_not(snap, 1, 1)) == ["blocked_pair"]


def test_a_teen_too_young_for_the_category_on_the_jobs_day_is_not_offered_it():
    # Sixteen on the day after the job: babysitting is from 16.
    babysitting = Category("babysitting", 16, True, "Babysitten")
    t = teen(birth_date=date(2010, 6, 18))
    snap = snapshot([t], [job(1, category=babysitting), job(2, category=babysitting, day=date(2026, 6, 18))])
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [2]
    assert codes(why_not(snap, 1, 1)) == ["category_min_age"]
    assert_same_as_naive(snap)


def test_the_fixed_time_must_lie_in_the_teens_free_time():
    t = teen(availability=(Slot(2, time(14), time(16)), Slot(2, time(16), time(18))))
    snap = snapshot([t], [job(1, since=15, until=17), job(2, since=17, until=19)])
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [1]  # touching slots are one afternoon
    assert codes(why_not(snap, 1, 2)) == ["not_available"]
    assert_same_as_naive(snap)


def test_other_bookings_count_against_the_daily_cap_and_may_not_overlap():
    booked = teen(bookings=(Booking(datetime(2026, 6, 17, 14), datetime(2026, 6, 17, 15, 30), provider_id=9),))
    snap = snapshot([booked], [job(1, since=16, until=17), job(2, since=15, until=16)])
    assert codes(why_not(snap, 1, 1)) == ["daily_cap"]
    assert set(codes(why_not(snap, 1, 2))) == {"daily_cap", "overlap"}
    assert jobs_for_teen(snap, 1) == []


# --- now --------------------------------------------------------------------------------------


def test_with_now_a_started_job_is_not_offered_and_a_window_starts_from_now():
    now = datetime(2026, 6, 17, 15, 5)
    snap = snapshot([teen()], [job(1), window(2, minutes=60)], now=now)
    assert codes(why_not(snap, 1, 1)) == ["in_past"]
    assert teens_for_job(snap, 1) == []
    feed = jobs_for_teen(snap, 1)
    assert [(r.job_id, r.starts_at) for r in feed] == [(2, datetime(2026, 6, 17, 15, 15))]
    assert_same_as_naive(snap)


def test_a_snapshot_answers_many_queries_without_changing():
    teens = [teen(n, at=north(n / 10)) for n in range(1, 30)]
    jobs = [job(n, at=north(n / 7)) for n in range(1, 10)]
    snap = snapshot(teens, jobs)
    first = [teens_for_job(snap, j) for j in snap.jobs]
    again = [teens_for_job(snap, j) for j in snap.jobs]
    assert first == again
    assert repr(snap) == "Snapshot(29 teens, 9 jobs, 2 policies)"
    assert not hasattr(engine, "_cache")


def test_verdict_distance_is_the_exact_haversine_rounded():
    t, j = teen(at=(50.9215, 6.3627), radius_km=20.0), job()
    verdict = engine.verdict(snapshot([t], [j]), t, j)
    assert haversine_km(t.lat, t.lon, j.lat, j.lon) == pytest.approx(15.69, abs=0.01)
    assert verdict.distance_km == 15.5
    assert verdict.eligible


def test_a_distance_equal_to_the_radius_is_still_inside():
    # Radius 0: "only jobs at my own postcode" – the distance 0.0 equals the radius exactly.
    snap = snapshot([teen(1, radius_km=0.0), teen(2, radius_km=0.0, at=north(0.3))], [job(1, radius_km=0.0)])
    assert [r.teen_id for r in teens_for_job(snap, 1)] == [1]
    assert [r.job_id for r in jobs_for_teen(snap, 1)] == [1]
    assert teens_for_job(snap, 1)[0].reasons[0] == "Gleiche Postleitzahl"
    assert codes(why_not(snap, 2, 1)) == ["too_far_for_teen", "too_far_for_job"]
    assert why_not(snap, 2, 1).reasons[0].message == "0,5 km entfernt – dein Umkreis ist 0 km"
    assert_same_as_naive(snap)
