"""The marketplace over the API alone (DESIGN section 10): a job from posting to feedback, and
every turn off the happy path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from marketplace.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Feedback,
    Incident,
    Job,
    JobStatus,
)
from marketplace.selectors import feed_for_teen
from marketplace.services.jobs import application_create, job_create
from tests.factories import make_coordinator, make_provider, make_teen

from .marketplace_helpers import (
    JOB_STREET,
    PROVIDER_PHONE,
    TEEN_PHONE,
    client_for,
    job_body,
    move_into_the_past,
    next_saturday,
    next_weekday,
)

pytestmark = pytest.mark.django_db
# The teen's feed, pinned (with a forced login, so no session queries): her profile (1); the
# selector's 12 (her profile with availability, absences and interests: 4; her bookings,
# history, ratings, good providers and blocked pairs: 5; the nearby jobs: 1; the policy and its
# school holidays: 2); her applications to the jobs shown (1).
FEED_QUERIES = 14


@pytest.fixture
def world(exchange):
    provider = make_provider(exchange, first_name="Hildegard")
    provider.phone = PROVIDER_PHONE
    provider.save()
    return {
        "provider": provider,
        "coordinator": make_coordinator(exchange),
        # Saturdays 10–16 (the factory's availability), 15 and still at school.
        "lena": make_teen(exchange, age=15, first_name="Lena", phone=TEEN_PHONE),
        "jonas": make_teen(exchange, age=17, first_name="Jonas", phone="0151 5550202"),
    }


def posted_and_approved(world, **overrides) -> dict:
    """The provider posts a job over the API, the coordinator approves it; returns the JSON."""
    response = client_for(world["provider"].user).post("/api/v1/jobs/", job_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "review"
    response = client_for(world["coordinator"]).post(f"/api/v1/jobs/{response.json()['id']}/approve/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "open"
    return response.json()


def apply(teen, job_id, message=""):
    return client_for(teen.user).post(f"/api/v1/jobs/{job_id}/applications/", {"message": message}, format="json")


# --- the whole loop ---------------------------------------------------------------------------------

def test_a_job_goes_from_posting_to_feedback_over_the_api(world):
    provider, coordinator, lena = world["provider"], world["coordinator"], world["lena"]
    senior, staff, teen = client_for(provider.user), client_for(coordinator), client_for(lena.user)

    # The provider posts; the job waits for review and no teen sees it yet.
    response = senior.post("/api/v1/jobs/", job_body(), format="json")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["street"] == JOB_STREET and job["status"] == "review" and job["hourly_rate"] == "8.00"
    assert job["starts_at"].endswith(("+01:00", "+02:00"))
    assert teen.get("/api/v1/jobs/").json()["results"] == []
    assert teen.get(f"/api/v1/jobs/{job['id']}/").status_code == 404

    # The coordinator approves; now it is in Lena's feed, with distance, score and reasons, by area only.
    assert staff.post(f"/api/v1/jobs/{job['id']}/approve/").json()["status"] == "open"
    response = teen.get("/api/v1/jobs/")
    assert response.status_code == 200
    [offer] = response.json()["results"]
    assert offer["id"] == job["id"]
    assert offer["distance_km"] == 0.0 and offer["score"] > 0 and offer["reasons"]
    assert offer["postcode"] == "52349" and offer["place"] == "Düren"
    assert "street" not in offer and JOB_STREET not in response.content.decode()
    assert offer["my_application"] is None and offer["time_suggested"] is False

    # Lena applies; the provider sees a pseudonymous applicant.
    response = apply(lena, job["id"], "Ich helfe gern!")
    assert response.status_code == 201, response.json()
    application = response.json()
    assert application["status"] == "pending" and application["job"] == job["id"]
    response = senior.get(f"/api/v1/jobs/{job['id']}/applications/")
    [applicant] = response.json()
    assert applicant["first_name"] == "Lena" and applicant["age"] == 15
    assert applicant["distance_band"] == "bis 1 km" and applicant["jobs_done"] == 0
    assert applicant["message"] == "Ich helfe gern!"
    assert {"teen", "name", "last_name", "phone", "email", "postcode"}.isdisjoint(applicant)
    assert TEEN_PHONE not in response.content.decode() and lena.user.email not in response.content.decode()
    assert teen.get("/api/v1/jobs/").json()["results"][0]["my_application"]["status"] == "pending"

    # The provider accepts: the answer is the assignment with Lena's contact data.
    response = senior.post(f"/api/v1/applications/{applicant['id']}/accept/")
    assert response.status_code == 201, response.json()
    assignment = response.json()
    assert assignment["status"] == "confirmed" and assignment["job"] == job["id"]
    assert assignment["contact"] == {"name": "Lena Beispiel", "phone": TEEN_PHONE, "email": lena.user.email}

    # Now Lena sees the provider's contact data and the street, in her assignments and on the job.
    [mine] = teen.get("/api/v1/assignments/").json()["results"]
    assert mine["contact"]["phone"] == PROVIDER_PHONE and mine["contact"]["street"] == JOB_STREET
    assert mine["contact"]["name"] == "Hildegard Muster"
    assert teen.get(f"/api/v1/jobs/{job['id']}/").json()["street"] == JOB_STREET
    assert teen.get("/api/v1/applications/").json()["results"][0]["status"] == "accepted"
    assert senior.get(f"/api/v1/jobs/{job['id']}/").json()["status"] == "filled"

    # After the job: the provider confirms the hours and the cash, Lena confirms, both rate.
    move_into_the_past(assignment["id"])
    response = senior.post(f"/api/v1/assignments/{assignment['id']}/complete/",
                           {"minutes_worked": 90, "amount_paid": "12.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done" and response.json()["minutes_worked"] == 90
    assert response.json()["amount_paid"] == "12.00"
    response = teen.post(f"/api/v1/assignments/{assignment['id']}/complete/", {}, format="json")
    assert response.status_code == 200 and response.json()["teen_confirmed_at"]
    assert senior.get(f"/api/v1/jobs/{job['id']}/").json()["status"] == "done"

    response = senior.post(f"/api/v1/assignments/{assignment['id']}/feedback/",
                           {"stars": 5, "comment": "Sehr nett"}, format="json")
    assert response.status_code == 201 and response.json()["author"] == "provider"
    response = teen.post(f"/api/v1/assignments/{assignment['id']}/feedback/", {"stars": 4}, format="json")
    assert response.status_code == 201 and response.json()["author"] == "teen"
    assert teen.post(f"/api/v1/assignments/{assignment['id']}/feedback/", {"stars": 4},
                     format="json").status_code == 409
    assert Feedback.objects.filter(assignment_id=assignment["id"]).count() == 2
    assert senior.get(f"/api/v1/assignments/{assignment['id']}/").json()["feedback_given"] == {
        "provider": True, "teen": True}


# --- off the happy path -----------------------------------------------------------------------------

def test_the_second_accept_of_a_one_place_job_is_a_409(world):
    job = posted_and_approved(world)
    first = apply(world["lena"], job["id"]).json()
    second = apply(world["jonas"], job["id"]).json()
    senior = client_for(world["provider"].user)
    assert senior.post(f"/api/v1/applications/{first['id']}/accept/").status_code == 201
    response = senior.post(f"/api/v1/applications/{second['id']}/accept/")
    assert response.status_code == 409
    assert response.json()["detail"] and response.json()["errors"] == {}
    assert Job.objects.get(pk=job["id"]).helpers_accepted == 1
    assert Application.objects.get(pk=second["id"]).status == ApplicationStatus.CLOSED


def test_accepting_the_same_application_twice_is_a_409(world):
    job = posted_and_approved(world, helpers_needed=2)
    application = apply(world["lena"], job["id"]).json()
    staff = client_for(world["coordinator"])
    assert staff.post(f"/api/v1/applications/{application['id']}/accept/").status_code == 201
    assert staff.post(f"/api/v1/applications/{application['id']}/accept/").status_code == 409
    assert Assignment.objects.filter(job_id=job["id"]).count() == 1


def test_a_teen_withdraws_her_application_and_cannot_withdraw_it_twice(world):
    job = posted_and_approved(world)
    application = apply(world["lena"], job["id"]).json()
    teen = client_for(world["lena"].user)
    response = teen.post(f"/api/v1/applications/{application['id']}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert teen.post(f"/api/v1/applications/{application['id']}/withdraw/").status_code == 409
    # Nobody can accept a withdrawn application.
    assert client_for(world["provider"].user).post(
        f"/api/v1/applications/{application['id']}/accept/").status_code == 409


def test_a_teen_cannot_apply_twice(world):
    job = posted_and_approved(world)
    assert apply(world["lena"], job["id"]).status_code == 201
    assert apply(world["lena"], job["id"]).status_code == 409


def test_the_provider_declines_an_applicant(world):
    job = posted_and_approved(world)
    application = apply(world["lena"], job["id"]).json()
    response = client_for(world["provider"].user).post(f"/api/v1/applications/{application['id']}/decline/")
    assert response.status_code == 200 and response.json() == {
        "id": application["id"], "job": job["id"], "status": "declined"}
    assert client_for(world["lena"].user).get("/api/v1/applications/?status=declined").json()["count"] == 1


def test_the_provider_cancels_a_job_with_a_reason_and_everything_on_it_closes(world):
    job = posted_and_approved(world, helpers_needed=2)
    first = apply(world["lena"], job["id"]).json()
    second = apply(world["jonas"], job["id"]).json()
    senior = client_for(world["provider"].user)
    assignment = senior.post(f"/api/v1/applications/{first['id']}/accept/").json()

    response = senior.post(f"/api/v1/jobs/{job['id']}/cancel/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = senior.post(f"/api/v1/jobs/{job['id']}/cancel/", {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]

    response = senior.post(f"/api/v1/jobs/{job['id']}/cancel/", {"reason": "Ich bin krank."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["status_reason"] == "Ich bin krank."
    assert Application.objects.get(pk=second["id"]).status == ApplicationStatus.CLOSED
    assert Assignment.objects.get(pk=assignment["id"]).status == AssignmentStatus.CANCELLED
    # A cancelled match shows no contact data any more, and the job can't be cancelled twice.
    [mine] = client_for(world["lena"].user).get("/api/v1/assignments/").json()["results"]
    assert mine["status"] == "cancelled" and mine["contact"] == {}
    assert senior.post(f"/api/v1/jobs/{job['id']}/cancel/", {"reason": "x"}, format="json").status_code == 409


def test_either_side_cancels_a_match_and_the_place_opens_again(world):
    job = posted_and_approved(world)
    application = apply(world["lena"], job["id"]).json()
    assignment = client_for(world["provider"].user).post(f"/api/v1/applications/{application['id']}/accept/").json()
    teen = client_for(world["lena"].user)
    assert teen.post(f"/api/v1/assignments/{assignment['id']}/cancel/", {}, format="json").status_code == 400
    response = teen.post(f"/api/v1/assignments/{assignment['id']}/cancel/", {"reason": "Klassenfahrt"},
                         format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    job_now = Job.objects.get(pk=job["id"])
    assert job_now.status == JobStatus.OPEN and job_now.helpers_accepted == 0
    # Jonas can take the place now.
    assert apply(world["jonas"], job["id"]).status_code == 201


def test_the_coordinator_rejects_a_job_with_a_reason(world):
    response = client_for(world["provider"].user).post("/api/v1/jobs/", job_body(), format="json")
    job_id = response.json()["id"]
    staff = client_for(world["coordinator"])
    response = staff.post(f"/api/v1/jobs/{job_id}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = staff.post(f"/api/v1/jobs/{job_id}/reject/", {"reason": "Das ist gewerbliche Arbeit."},
                          format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "Das ist gewerbliche Arbeit."
    # A rejected job cannot be approved, and the provider cannot review at all.
    assert staff.post(f"/api/v1/jobs/{job_id}/approve/").status_code == 409
    assert client_for(world["provider"].user).post(f"/api/v1/jobs/{job_id}/approve/").status_code == 403
    assert AuditEntry.objects.filter(action="marketplace.job.rejected", target_id=job_id).exists()


def test_a_window_job_gets_a_suggested_time_in_the_feed(world):
    saturday = next_saturday(10).date()
    job = posted_and_approved(world, starts_at=None, ends_at=None, window_start=saturday.isoformat(),
                              window_end=(saturday + timedelta(days=1)).isoformat(), duration_minutes=60)
    assert job["starts_at"] is None and job["duration_minutes"] == 60
    [offer] = client_for(world["lena"].user).get("/api/v1/jobs/").json()["results"]
    assert offer["time_suggested"] is True
    assert offer["window_start"] == saturday.isoformat()
    # Lena is free on Saturdays 10–16: the suggestion is a Saturday hour inside that.
    assert offer["starts_at"].startswith(saturday.isoformat() + "T10:00:00")
    assert offer["ends_at"].startswith(saturday.isoformat() + "T11:00:00")

    # Accepting fixes the suggested time on the assignment.
    application = apply(world["lena"], job["id"]).json()
    assignment = client_for(world["provider"].user).post(f"/api/v1/applications/{application['id']}/accept/").json()
    assert assignment["starts_at"] == offer["starts_at"]


def test_a_teen_who_may_not_do_the_job_is_told_why(world, exchange):
    # 18:00 is after the hours allowed for under-15s and outside Lena's availability.
    mia = make_teen(exchange, age=14, first_name="Mia")
    job = posted_and_approved(world, starts_at=next_saturday(18).isoformat(),
                              ends_at=next_saturday(19).isoformat())
    response = apply(mia, job["id"])
    assert response.status_code == 400
    assert response.json()["errors"]["job"]


# --- posting and changing ---------------------------------------------------------------------------

def test_a_job_with_bad_input_is_refused_naming_the_fields(world):
    senior = client_for(world["provider"].user)
    response = senior.post("/api/v1/jobs/", job_body(hourly_rate="3.00"), format="json")
    assert response.status_code == 400 and "hourly_rate" in response.json()["errors"]
    body = job_body()
    del body["category"]
    response = senior.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400 and "category" in response.json()["errors"]
    response = senior.post("/api/v1/jobs/", job_body(postcode="10115"), format="json")
    assert response.status_code == 400 and "postcode" in response.json()["errors"]
    response = senior.post("/api/v1/jobs/", job_body(helpers_needed=4, starts_at="morgen"), format="json")
    assert response.status_code == 400
    assert {"helpers_needed", "starts_at"} <= response.json()["errors"].keys()
    response = senior.post("/api/v1/jobs/", job_body(starts_at="3024-01-01T10:00:00+01:00"), format="json")
    assert response.status_code == 400 and "starts_at" in response.json()["errors"]
    assert not Job.objects.exists()


def test_a_job_nobody_could_ever_do_is_refused_with_the_reasons(world):
    sunday = next_saturday(22) + timedelta(days=1)
    response = client_for(world["provider"].user).post("/api/v1/jobs/", job_body(
        starts_at=sunday.isoformat(), ends_at=(sunday + timedelta(hours=3)).isoformat()), format="json")
    assert response.status_code == 400
    assert len(response.json()["errors"]["starts_at"]) >= 2


def test_a_job_defaults_to_the_providers_address(world):
    body = job_body()
    del body["street"], body["postcode"]
    response = client_for(world["provider"].user).post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 201
    assert response.json()["street"] == "Kölnstraße 1" and response.json()["postcode"] == "52349"


def test_a_coordinator_posts_for_a_provider_of_her_exchange_only(world, other_exchange):
    staff = client_for(world["coordinator"])
    response = staff.post("/api/v1/jobs/", job_body(), format="json")
    assert response.status_code == 400 and "provider" in response.json()["errors"]
    foreign = make_provider(other_exchange, postcode="52062")
    response = staff.post("/api/v1/jobs/", job_body(provider=foreign.pk), format="json")
    assert response.status_code == 400 and "provider" in response.json()["errors"]
    response = staff.post("/api/v1/jobs/", job_body(provider=world["provider"].pk), format="json")
    assert response.status_code == 201
    job = response.json()
    # Entered by the coordinator (after a phone call): open at once.
    assert job["status"] == "open" and job["provider"] == world["provider"].pk
    assert job["provider_name"] == "Hildegard Muster" and job["exchange"] == "kreis-dueren"
    assert [j["id"] for j in client_for(world["provider"].user).get("/api/v1/jobs/").json()["results"]] == [
        job["id"]]


def test_teens_cannot_post_jobs(world):
    response = client_for(world["lena"].user).post("/api/v1/jobs/", job_body(), format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_a_provider_whose_profile_is_not_vetted_gets_a_409(exchange):
    from marketplace.models import ProviderStatus

    pending = make_provider(exchange, status=ProviderStatus.PENDING)
    response = client_for(pending.user).post("/api/v1/jobs/", job_body(), format="json")
    assert response.status_code == 409


def test_the_provider_changes_her_job_and_the_rules_are_checked_again(world):
    job = posted_and_approved(world)
    senior = client_for(world["provider"].user)
    response = senior.patch(f"/api/v1/jobs/{job['id']}/", {"title": "Laub rechen und fegen",
                                                          "hourly_rate": "9.50"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Laub rechen und fegen" and response.json()["hourly_rate"] == "9.50"

    application = apply(world["lena"], job["id"]).json()
    senior.post(f"/api/v1/applications/{application['id']}/accept/")
    # Lena (15, at school) may not work at 19:00: the change is refused with her reason.
    response = senior.patch(f"/api/v1/jobs/{job['id']}/", {"starts_at": next_saturday(19).isoformat(),
                                                          "ends_at": next_saturday(20).isoformat()},
                            format="json")
    assert response.status_code == 400
    assert any("Lena" in message for message in response.json()["errors"]["starts_at"])
    assert response.json()["errors"]["starts_at"]
    # A finished job cannot be changed.
    Job.objects.filter(pk=job["id"]).update(status=JobStatus.DONE)
    assert senior.patch(f"/api/v1/jobs/{job['id']}/", {"title": "x"}, format="json").status_code == 409


def test_the_coordinators_job_list_filters_by_status_category_postcode_and_date(world, exchange):
    provider, coordinator = world["provider"], world["coordinator"]
    garden = job_create(provider=provider, by=coordinator, data={
        "category": "garden", "title": "Rasen", "starts_at": next_saturday(11),
        "ends_at": next_saturday(12), "hourly_rate": Decimal("8.00")})
    sunday_window = next_saturday(10, weeks=1).date()
    pets = job_create(provider=provider, by=provider.user, data={
        "category": "pets", "title": "Gassi gehen", "postcode": "52372", "window_start": sunday_window,
        "window_end": sunday_window + timedelta(days=2), "duration_minutes": 45, "hourly_rate": Decimal("8.00")})
    staff = client_for(coordinator)

    def ids(query):
        response = staff.get(f"/api/v1/jobs/{query}")
        assert response.status_code == 200, response.json()
        return {j["id"] for j in response.json()["results"]}

    assert ids("") == {garden.pk, pets.pk}
    assert ids("?status=review") == {pets.pk}
    assert ids("?category=garden") == {garden.pk}
    assert ids("?postcode=52372") == {pets.pk}
    assert ids(f"?date={next_saturday(11).date().isoformat()}") == {garden.pk}
    assert ids(f"?date={(sunday_window + timedelta(days=1)).isoformat()}") == {pets.pk}
    assert ids(f"?date={next_weekday(2, 10).date().isoformat()}") == set()
    for query, field in [("?status=nonsense", "status"), ("?date=2026-02-30", "date"),
                         ("?postcode=5237", "postcode"), ("?category=%00", "category")]:
        response = staff.get(f"/api/v1/jobs/{query}")
        assert response.status_code == 400 and field in response.json()["errors"], query


def test_the_teen_feed_takes_the_same_few_queries_for_3_and_for_30_jobs(world, exchange):
    provider, coordinator, lena = world["provider"], world["coordinator"], world["lena"]
    teen = client_for(lena.user)

    def post(n, first=0):
        # Saturdays of the next two weeks, 10:00–14:45 in quarter hours, one hour each: every
        # job fits Lena's Saturdays 10–16 on its own.
        for i in range(first, first + n):
            start = next_saturday(10, weeks=i % 2) + timedelta(minutes=15 * (i // 2))
            job_create(provider=provider, by=coordinator, data={
                "category": "garden", "title": f"Auftrag {i}", "starts_at": start,
                "ends_at": start + timedelta(hours=1), "hourly_rate": Decimal("8.00"), "helpers_needed": 3})

    def feed_queries():
        with CaptureQueriesContext(connection) as queries:
            response = teen.get("/api/v1/jobs/")
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    post(3)
    few, shown = feed_queries()
    assert shown == 3
    post(27, first=3)
    many, shown = feed_queries()
    # A public holiday on one of the Saturdays would take its jobs out, never all of them.
    assert shown == len(feed_for_teen(teen=lena)) >= 15
    assert few == many == FEED_QUERIES


# --- candidates, direct assignment, proposals ----------------------------------------------------

def test_the_provider_sees_candidates_pseudonymously_and_the_coordinator_by_name(world):
    job = posted_and_approved(world)
    response = client_for(world["provider"].user).get(f"/api/v1/jobs/{job['id']}/candidates/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {c["first_name"] for c in body["results"]} == {"Lena", "Jonas"}
    for candidate in body["results"]:
        assert {"id", "name", "distance_km", "postcode", "phone", "email"}.isdisjoint(candidate)
        assert candidate["distance_band"] == "bis 1 km" and candidate["score"] > 0
        assert not any("km entfernt" in r or "Postleitzahl" in r for r in candidate["reasons"])
    assert "Beispiel" not in response.content.decode()

    response = client_for(world["coordinator"]).get(f"/api/v1/jobs/{job['id']}/candidates/?limit=1")
    [best] = response.json()["results"]
    assert best["id"] in {world["lena"].pk, world["jonas"].pk}
    assert best["name"].endswith("Beispiel") and best["distance_km"] == 0.0


def test_the_coordinator_asks_why_not_for_a_named_teen(world, exchange, other_exchange):
    mia = make_teen(exchange, age=14, first_name="Mia")
    job = posted_and_approved(world, starts_at=next_saturday(18).isoformat(), ends_at=next_saturday(19).isoformat())
    staff = client_for(world["coordinator"])
    response = staff.get(f"/api/v1/jobs/{job['id']}/candidates/?teen={mia.pk}")
    assert response.status_code == 200
    verdict = response.json()
    assert verdict["teen"] == {"id": mia.pk, "first_name": "Mia", "name": "Mia Beispiel"}
    assert verdict["eligible"] is False
    assert "outside_allowed_hours" in {r["code"] for r in verdict["reasons"]}
    assert all(r["message"] for r in verdict["reasons"])
    assert AuditEntry.objects.filter(action="marketplace.teen.checked_for_job", target_id=mia.pk).exists()

    # The provider may not ask about a named teen; an unknown or foreign teen is not found.
    senior = client_for(world["provider"].user)
    assert senior.get(f"/api/v1/jobs/{job['id']}/candidates/?teen={mia.pk}").status_code == 403
    foreign = make_teen(other_exchange, postcode="52062")
    assert staff.get(f"/api/v1/jobs/{job['id']}/candidates/?teen={foreign.pk}").status_code == 404
    for query, field in [("teen=abc", "teen"), ("teen=%C2%B2", "teen"), ("limit=%C2%B2", "limit")]:
        response = staff.get(f"/api/v1/jobs/{job['id']}/candidates/?{query}")
        assert response.status_code == 400 and field in response.json()["errors"], query


def test_the_coordinator_assigns_a_teen_directly(world):
    job = posted_and_approved(world)
    staff = client_for(world["coordinator"])
    response = staff.post(f"/api/v1/jobs/{job['id']}/assign/", {"teen": world["jonas"].pk}, format="json")
    assert response.status_code == 201
    assert response.json()["contact"]["teen"]["phone"] == "0151 5550202"
    assert response.json()["contact"]["provider"]["street"] == JOB_STREET
    response = staff.post(f"/api/v1/jobs/{job['id']}/assign/", {"teen": world["lena"].pk}, format="json")
    assert response.status_code == 409
    assert client_for(world["provider"].user).post(f"/api/v1/jobs/{job['id']}/assign/", {
        "teen": world["lena"].pk}, format="json").status_code == 403


def test_the_coordinator_gets_a_batch_proposal_and_confirms_it(world, exchange):
    first = posted_and_approved(world)
    second = posted_and_approved(world, starts_at=next_saturday(14).isoformat(),
                                 ends_at=next_saturday(15).isoformat())
    staff = client_for(world["coordinator"])
    response = staff.post("/api/v1/proposals/", {}, format="json")
    assert response.status_code == 200, response.json()
    proposal = response.json()
    assert proposal["exchange"] == "kreis-dueren"
    assert proposal["places_open"] == 2 and proposal["filled"] == 2 and proposal["optimal"] is True
    assert {p["job"] for p in proposal["pairs"]} == {first["id"], second["id"]}
    assert {p["teen_first_name"] for p in proposal["pairs"]} <= {"Lena", "Jonas"}

    response = staff.post("/api/v1/proposals/", {"jobs": [first["id"], 999999]}, format="json")
    assert response.status_code == 400 and "jobs" in response.json()["errors"]

    pairs = [{"job": p["job"], "teen": p["teen"]} for p in proposal["pairs"]]
    response = staff.post("/api/v1/proposals/confirm/", {"pairs": pairs + [pairs[0]]}, format="json")
    assert response.status_code == 200
    assert len(response.json()["assignments"]) == 2
    assert len(response.json()["problems"]) == 1  # the pair given twice
    assert Assignment.objects.count() == 2

    assert client_for(world["provider"].user).post("/api/v1/proposals/", {}, format="json").status_code == 403


# --- after the job ---------------------------------------------------------------------------------

def matched(world):
    job = posted_and_approved(world)
    application = apply(world["lena"], job["id"]).json()
    assignment = client_for(world["provider"].user).post(f"/api/v1/applications/{application['id']}/accept/").json()
    return job, assignment


def test_a_no_show_is_recorded_by_the_provider_once_the_job_has_begun(world):
    _job, assignment = matched(world)
    senior = client_for(world["provider"].user)
    assert senior.post(f"/api/v1/assignments/{assignment['id']}/no-show/").status_code == 409  # not yet
    assert client_for(world["lena"].user).post(f"/api/v1/assignments/{assignment['id']}/no-show/").status_code == 403
    move_into_the_past(assignment["id"])
    response = senior.post(f"/api/v1/assignments/{assignment['id']}/no-show/")
    assert response.status_code == 200 and response.json()["status"] == "no_show"


def test_either_side_reports_a_problem(world):
    _job, assignment = matched(world)
    teen = client_for(world["lena"].user)
    response = teen.post(f"/api/v1/assignments/{assignment['id']}/incident/", {"text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json()["errors"]
    response = teen.post(f"/api/v1/assignments/{assignment['id']}/incident/",
                         {"text": "Der Hund hat mich angebellt."}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert Incident.objects.get().assignment_id == assignment["id"]


def test_the_provider_asks_for_the_same_teen_again(world):
    _job, assignment = matched(world)
    senior = client_for(world["provider"].user)
    again = {"starts_at": next_saturday(11, weeks=1).isoformat(), "ends_at": next_saturday(12, weeks=1).isoformat()}
    assert senior.post(f"/api/v1/assignments/{assignment['id']}/request-again/", again,
                       format="json").status_code == 409  # not done yet
    move_into_the_past(assignment["id"])
    senior.post(f"/api/v1/assignments/{assignment['id']}/complete/", {}, format="json")
    response = senior.post(f"/api/v1/assignments/{assignment['id']}/request-again/", again, format="json")
    assert response.status_code == 201, response.json()
    new_job = response.json()
    assert new_job["title"] == "Laub rechen" and new_job["street"] == JOB_STREET
    assert Job.objects.get(pk=new_job["id"]).preferred_teen_id == world["lena"].pk
    assert client_for(world["lena"].user).post(f"/api/v1/assignments/{assignment['id']}/request-again/", again,
                                               format="json").status_code == 403


def test_a_teens_own_applications_list_has_the_area_but_never_the_street(world):
    job = posted_and_approved(world)
    apply(world["lena"], job["id"], "Hallo")
    response = client_for(world["lena"].user).get("/api/v1/applications/")
    [application] = response.json()["results"]
    assert application["job_summary"]["place"] == "Düren" and application["message"] == "Hallo"
    assert JOB_STREET not in response.content.decode()
    assert client_for(world["provider"].user).get("/api/v1/applications/").status_code == 403


def test_the_applicant_list_names_teens_for_the_coordinator(world):
    job = posted_and_approved(world)
    application_create(job=Job.objects.get(pk=job["id"]), teen=world["lena"], message="")
    [applicant] = client_for(world["coordinator"]).get(f"/api/v1/jobs/{job['id']}/applications/").json()
    assert applicant["teen"] == world["lena"].pk and applicant["name"] == "Lena Beispiel"


@pytest.mark.parametrize("path", ["/api/v1/jobs/{}/", "/api/v1/jobs/{}/candidates/", "/api/v1/assignments/{}/"])
@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "-1", "abc"])
def test_unknown_or_absurd_ids_are_a_404_for_everyone(world, path, pk):
    for user in (world["provider"].user, world["coordinator"], world["lena"].user):
        response = client_for(user).get(path.format(pk))
        assert response.status_code == 404, (user, response.content)
        assert response.json()["errors"] == {}


# --- the feed cache ------------------------------------------------------------------------------


def test_a_repeated_feed_read_is_served_from_the_cache_and_a_change_shows_at_once(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lena = client_for(world["lena"].user)
    first_job = posted_and_approved(world)
    assert [j["id"] for j in lena.get("/api/v1/jobs/").json()["results"]] == [first_job["id"]]
    with CaptureQueriesContext(connection) as second_read:
        again = lena.get("/api/v1/jobs/").json()["results"]
    assert [j["id"] for j in again] == [first_job["id"]]
    assert len(second_read) < FEED_QUERIES - 5  # no engine inputs were loaded again

    # A new job, her application and her profile each change what she sees, at once.
    second_job = posted_and_approved(world, title="Hecke schneiden", starts_at=next_saturday(13).isoformat(),
                                     ends_at=next_saturday(14).isoformat())
    assert {j["id"] for j in lena.get("/api/v1/jobs/").json()["results"]} == {first_job["id"], second_job["id"]}
    assert apply(world["lena"], first_job["id"]).status_code == 201
    feed = {j["id"]: j for j in lena.get("/api/v1/jobs/").json()["results"]}
    assert feed[first_job["id"]]["my_application"]["status"] == "pending"
    # Free only on Mondays now: neither Saturday job fits any more.
    monday = {"availability": [{"weekday": 0, "start": "15:00", "end": "17:00"}]}
    assert lena.patch("/api/v1/me/", monday, format="json").status_code == 200
    assert lena.get("/api/v1/jobs/").json()["results"] == []
