"""The engine's batch proposal: candidates from the rules, choice by the optimiser."""

from dataclasses import replace
from datetime import date, datetime, time

from matching import engine, rules
from matching.calendar import calendar_for
from matching.types import Booking, Category, Job, Policy, Slot, Teen

POLICY = Policy()
SATURDAY = date(2026, 5, 16)  # no holiday in NRW
GARDEN = Category("garden", 14, True, name="Garten")


SATURDAY_DAYTIME = (Slot(5, time(9), time(18)),)


def teen(id, *, age=17, lat=50.80, lon=6.48, slots=SATURDAY_DAYTIME, bookings=()):
    return Teen(id=id, exchange_id=1, birth_date=date(SATURDAY.year - age, 1, 1), in_compulsory_school=False,
                lat=lat, lon=lon, radius_km=10, availability=slots, bookings=bookings, first_name=f"T{id}")


def job(id, start_hour, minutes=60, places=1, lat=50.80, lon=6.48):
    start = datetime.combine(SATURDAY, time(start_hour))
    return Job(id=id, exchange_id=1, provider_id=100 + id, category=GARDEN, lat=lat, lon=lon,
               starts_at=start, ends_at=start.replace(hour=start_hour + minutes // 60, minute=minutes % 60),
               places=places)


def snapshot(teens, jobs):
    return engine.Snapshot(teens=teens, jobs=jobs, policies={1: POLICY}, now=datetime(2026, 5, 1))


def test_the_proposal_fills_every_place_that_can_be_filled_where_greedy_would_not():
    # Teen 1 is closest (best score) to both jobs, but both are at 10:00: she can take only one.
    # Teen 2 lives farther away and fits job 1 only (job 2's radius is too small for her).
    near = teen(1)
    far = teen(2, lat=50.85)  # about 5.6 km north
    jobs = [job(1, 10), replace(job(2, 10), radius_km=3)]
    proposal = engine.propose(snapshot([near, far], jobs))
    assert proposal.filled == 2 and proposal.optimal
    assert {(p.teen_id, p.job_id) for p in proposal.pairs} == {(2, 1), (1, 2)}


def test_the_proposal_never_breaks_a_daily_cap_across_jobs():
    # Two 90-minute jobs on the same Saturday: together 3 h, above the policy's 2 h a day.
    only = teen(1)
    proposal = engine.propose(snapshot([only], [job(1, 10, 90), job(2, 14, 90)]))
    assert proposal.filled == 1
    minutes = sum((p.ends_at - p.starts_at).seconds // 60 for p in proposal.pairs)
    assert minutes <= POLICY.max_minutes_per_day


def test_existing_bookings_count_against_the_caps():
    booked = teen(1, bookings=(Booking(datetime.combine(SATURDAY, time(15)), datetime.combine(SATURDAY, time(16, 30)),
                                       provider_id=999),))
    proposal = engine.propose(snapshot([booked], [job(1, 10, 60)]))
    assert proposal.filled == 0
    assert rules.cap_limits(booked, SATURDAY, POLICY)[("day", SATURDAY)] == 30
    assert calendar_for(POLICY).public_holiday(SATURDAY) is None


def test_each_proposed_pair_is_legal_on_its_own():
    teens = [teen(i, age=14 + i % 6, lat=50.78 + i * 0.005) for i in range(12)]
    jobs = [job(i, 9 + i % 8, 60 + 30 * (i % 2), places=1 + i % 3) for i in range(10)]
    snap = snapshot(teens, jobs)
    proposal = engine.propose(snap)
    policy, calendar = snap.rules_for(1)
    for pair in proposal.pairs:
        assert rules.check(snap.teen(pair.teen_id), snap.job(pair.job_id), pair.starts_at, pair.ends_at,
                           policy, calendar) == []
    assert proposal.filled <= proposal.places_open
