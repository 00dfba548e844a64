"""A job from posting to feedback, through the services and the real matching engine."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.models import (
    ApplicationStatus,
    AssignmentStatus,
    AvailabilitySlot,
    JobStatus,
)
from marketplace.selectors import candidates_for_job, feed_for_teen, why_not_for
from marketplace.services.assignments import assignment_complete, feedback_give
from marketplace.services.errors import Conflict
from marketplace.services.jobs import (
    application_accept,
    application_create,
    job_approve,
    job_create,
)
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def next_saturday(hour, minute=0):
    today = timezone.localdate()
    days = (5 - today.weekday()) % 7 or 7
    day = today + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def job_data(**overrides):
    data = {"category": "garden", "title": "Laub rechen", "description": "Im Vorgarten",
            "starts_at": next_saturday(11), "ends_at": next_saturday(12, 30), "hourly_rate": Decimal("8.00"),
            "helpers_needed": 1}
    data.update(overrides)
    return data


@pytest.fixture
def world(exchange):
    provider = make_provider(exchange)
    coordinator = make_coordinator(exchange)
    lena = make_teen(exchange, age=15, first_name="Lena")  # Saturdays 10–16
    return provider, coordinator, lena


def test_a_job_goes_from_posting_to_feedback(world):
    provider, coordinator, lena = world
    job = job_create(provider=provider, by=provider.user, data=job_data())
    assert job.status == JobStatus.REVIEW
    assert feed_for_teen(teen=lena) == []  # not visible before approval
    job_approve(job=job, by=coordinator)
    feed = feed_for_teen(teen=lena)
    assert [j.pk for j, _ in feed] == [job.pk]
    assert feed[0][1].distance_km == 0.0
    assert [t.pk for t, _ in candidates_for_job(job=job)] == [lena.pk]

    application = application_create(job=job, teen=lena, message="Ich helfe gern!")
    assignment = application_accept(application=application, by=provider.user)
    job.refresh_from_db()
    application.refresh_from_db()
    assert job.status == JobStatus.FILLED and job.helpers_accepted == 1
    assert application.status == ApplicationStatus.ACCEPTED
    assert assignment.starts_at == job.starts_at

    # After the job (moved into the past): hours and cash, then both rate.
    type(assignment).objects.filter(pk=assignment.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(minutes=30))
    assignment.refresh_from_db()
    assignment = assignment_complete(assignment=assignment, by=provider.user, minutes_worked=90,
                                     amount_paid=Decimal("12.00"))
    assert assignment.status == AssignmentStatus.DONE
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    feedback_give(assignment=assignment, by=provider.user, stars=5, comment="Sehr nett")
    feedback_give(assignment=assignment, by=lena.user, stars=4)
    with pytest.raises(Conflict):
        feedback_give(assignment=assignment, by=lena.user, stars=4)


def test_a_job_no_teen_could_ever_do_is_refused_with_the_reasons(world, exchange):
    provider, _, _ = world
    # Sunday 22:00–01:00 for 3 h: beyond every daily cap of the policy (2 h), for everyone.
    sunday = next_saturday(22) + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        job_create(provider=provider, by=provider.user,
                   data=job_data(starts_at=sunday, ends_at=sunday + timedelta(hours=3)))
    messages = exc.value.message_dict["starts_at"]
    assert len(messages) >= 2


def test_a_14_year_old_cannot_apply_after_18_h(world, exchange):
    provider, coordinator, _ = world
    mia = make_teen(exchange, age=14, first_name="Mia")
    AvailabilitySlot.objects.create(teen=mia, weekday=5, start=time(17), end=time(20))
    job = job_create(provider=provider, by=coordinator, data=job_data(
        starts_at=next_saturday(18), ends_at=next_saturday(19)))
    assert job.status == JobStatus.OPEN  # entered by a coordinator: no review
    assert feed_for_teen(teen=mia) == []
    verdict = why_not_for(job=job, teen=mia)
    assert not verdict.eligible
    assert "outside_allowed_hours" in {r.code for r in verdict.reasons}
    with pytest.raises(ValidationError):
        application_create(job=job, teen=mia)


def test_the_last_place_cannot_be_taken_twice(world, exchange):
    provider, coordinator, lena = world
    jonas = make_teen(exchange, age=17, first_name="Jonas")
    job = job_create(provider=provider, by=coordinator, data=job_data())
    first = application_create(job=job, teen=lena)
    second = application_create(job=job, teen=jonas)
    application_accept(application=first, by=provider.user)
    with pytest.raises(Conflict):
        application_accept(application=second, by=provider.user)
    second.refresh_from_db()
    assert second.status == ApplicationStatus.CLOSED


def test_an_open_job_whose_start_passed_unfilled_expires_and_its_applications_close(world):
    from marketplace.models import Application, Job
    from marketplace.services.jobs import jobs_expire

    provider, coordinator, lena = world
    job = job_create(provider=provider, by=coordinator, data=job_data())
    application = application_create(job=job, teen=lena)
    Job.objects.filter(pk=job.pk).update(starts_at=timezone.now() - timedelta(hours=1),
                                         ends_at=timezone.now() + timedelta(minutes=30))
    assert jobs_expire() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.CLOSED
    assert jobs_expire() == 0
