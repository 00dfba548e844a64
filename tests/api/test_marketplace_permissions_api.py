"""Who sees what of a job in the API (issue 4 "Done when", DESIGN section 8): the provider,
another provider, a teen who applied, a teen who did not, a coordinator of another exchange,
and the job's own coordinator. The exact address and the contact data above all: the tests
look for the very strings in the response bodies.

Outsiders get 404 (they must not learn that the job exists); a person who may see an object
but not act on it gets 403."""

from decimal import Decimal

import pytest

from marketplace.models import Application, ApplicationStatus, Assignment, Job, JobStatus
from marketplace.services.jobs import application_accept, application_create, job_approve, job_create
from tests.factories import make_coordinator, make_provider, make_teen

from .marketplace_helpers import (
    JOB_STREET,
    PROVIDER_PHONE,
    TEEN_LAST_NAME,
    TEEN_PHONE,
    client_for,
    job_body,
    next_saturday,
)

pytestmark = pytest.mark.django_db
FOREIGN_STREET = "Pontstraße 99"


@pytest.fixture
def people(exchange, other_exchange):
    provider = make_provider(exchange, first_name="Hildegard")
    provider.phone = PROVIDER_PHONE
    provider.save()
    other_provider = make_provider(exchange, first_name="Gerda")
    coordinator = make_coordinator(exchange)
    applied = make_teen(exchange, age=16, first_name="Lena", phone=TEEN_PHONE)
    applied.last_name = TEEN_LAST_NAME
    applied.save()
    data = {"category": "garden", "title": "Laub rechen", "street": JOB_STREET, "postcode": "52349",
            "starts_at": next_saturday(11), "ends_at": next_saturday(12, 30), "hourly_rate": Decimal("8.00")}
    job = job_create(provider=provider, by=provider.user, data=data)
    job_approve(job=job, by=coordinator)
    application = application_create(job=job, teen=applied, message="Ich kann gut mit Laub.")
    # Another provider's job, so that "another provider" is a real owner of something.
    other_job = job_create(provider=other_provider, by=coordinator, data={**data, "street": FOREIGN_STREET})
    return {
        "job": job, "application": application, "other_job": other_job,
        "provider": provider, "other_provider": other_provider, "coordinator": coordinator,
        "applied": applied, "not_applied": make_teen(exchange, age=16, first_name="Jonas"),
        "foreign_coordinator": make_coordinator(other_exchange),
        "foreign_teen": make_teen(other_exchange, age=16, postcode="52062", first_name="Ali"),
    }


def user_of(people, persona):
    person = people[persona]
    return getattr(person, "user", person)


def body(response) -> str:
    return response.content.decode()


def accept(people) -> Assignment:
    return application_accept(application=people["application"], by=people["provider"].user)


# --- before the match ------------------------------------------------------------------------------

def test_the_provider_sees_her_job_with_the_address_and_applicants_only_pseudonymously(people):
    client, job = client_for(people["provider"].user), people["job"]
    response = client.get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200 and response.json()["street"] == JOB_STREET
    assert response.json()["applications_pending"] == 1
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [job.pk]
    for path in (f"/api/v1/jobs/{job.pk}/applications/", f"/api/v1/jobs/{job.pk}/candidates/"):
        response = client.get(path)
        assert response.status_code == 200
        text = body(response)
        assert "Lena" in text
        for secret in (TEEN_PHONE, TEEN_LAST_NAME, people["applied"].user.email, "eltern@example.org"):
            assert secret not in text, (path, secret)
    assert client.get("/api/v1/assignments/").json()["results"] == []


@pytest.mark.parametrize("persona", ["other_provider", "foreign_coordinator", "foreign_teen"])
def test_outsiders_do_not_learn_that_the_job_exists(people, persona):
    client, job, application = client_for(user_of(people, persona)), people["job"], people["application"]
    for path in (f"/api/v1/jobs/{job.pk}/", f"/api/v1/jobs/{job.pk}/applications/",
                 f"/api/v1/jobs/{job.pk}/candidates/", f"/api/v1/jobs/{job.pk}/candidates/?teen=1"):
        assert client.get(path).status_code == 404, path
    assert client.patch(f"/api/v1/jobs/{job.pk}/", {"title": "Mein Auftrag"}, format="json").status_code == 404
    for path, data in [(f"/api/v1/jobs/{job.pk}/approve/", {}), (f"/api/v1/jobs/{job.pk}/reject/", {"reason": "x"}),
                       (f"/api/v1/jobs/{job.pk}/cancel/", {"reason": "x"}),
                       (f"/api/v1/jobs/{job.pk}/assign/", {"teen": people["applied"].pk}),
                       (f"/api/v1/jobs/{job.pk}/applications/", {"message": "Hallo"}),
                       (f"/api/v1/applications/{application.pk}/accept/", {}),
                       (f"/api/v1/applications/{application.pk}/decline/", {}),
                       (f"/api/v1/applications/{application.pk}/withdraw/", {})]:
        assert client.post(path, data, format="json").status_code == 404, path
    listed = client.get("/api/v1/jobs/")
    assert job.pk not in [j["id"] for j in listed.json()["results"]]
    assert JOB_STREET not in body(listed)
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN and job.title == "Laub rechen"
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.PENDING


def test_another_provider_sees_only_her_own_job(people):
    client = client_for(people["other_provider"].user)
    response = client.get("/api/v1/jobs/")
    assert [j["id"] for j in response.json()["results"]] == [people["other_job"].pk]
    assert JOB_STREET not in body(response) and FOREIGN_STREET in body(response)


def test_a_coordinator_of_another_exchange_sees_nothing_at_all(people):
    client = client_for(people["foreign_coordinator"])
    assert client.get("/api/v1/jobs/").json()["results"] == []
    assert client.get("/api/v1/assignments/").json()["results"] == []
    response = client.post("/api/v1/jobs/", job_body(provider=people["provider"].pk), format="json")
    assert response.status_code == 400 and "provider" in response.json()["errors"]
    response = client.post("/api/v1/proposals/confirm/",
                           {"pairs": [{"job": people["job"].pk, "teen": people["applied"].pk}]}, format="json")
    assert response.status_code == 200 and response.json()["assignments"] == []
    assert not Assignment.objects.exists()
    # Her proposal covers her own exchange only.
    response = client.post("/api/v1/proposals/", {"jobs": [people["job"].pk]}, format="json")
    assert response.status_code == 400 and "jobs" in response.json()["errors"]


def test_the_teen_who_applied_sees_the_area_never_the_address_nor_the_provider(people):
    client, job = client_for(people["applied"].user), people["job"]
    for path in ("/api/v1/jobs/", f"/api/v1/jobs/{job.pk}/", "/api/v1/applications/"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = body(response)
        assert "52349" in text and "Düren" in text
        for secret in (JOB_STREET, PROVIDER_PHONE, "Hildegard", "Muster", people["provider"].user.email):
            assert secret not in text, (path, secret)
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["my_application"]["status"] == "pending"
    # She may see the job, but not its applicants, its candidates, or act as its provider.
    assert client.get(f"/api/v1/jobs/{job.pk}/applications/").status_code == 403
    assert client.get(f"/api/v1/jobs/{job.pk}/candidates/").status_code == 403
    assert client.patch(f"/api/v1/jobs/{job.pk}/", {"title": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/jobs/{job.pk}/cancel/", {"reason": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/jobs/{job.pk}/approve/").status_code == 403
    assert client.post(f"/api/v1/applications/{people['application'].pk}/accept/").status_code == 403
    assert client.get("/api/v1/assignments/").json()["results"] == []


def test_the_teen_who_did_not_apply_sees_the_open_job_by_area_and_nobody_elses_application(people):
    client, job, application = client_for(people["not_applied"].user), people["job"], people["application"]
    response = client.get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200 and "street" not in response.json()
    assert response.json()["my_application"] is None
    assert JOB_STREET not in body(response)
    assert client.get("/api/v1/applications/").json()["results"] == []
    for path in (f"/api/v1/applications/{application.pk}/withdraw/", f"/api/v1/applications/{application.pk}/accept/"):
        assert client.post(path).status_code == 404, path
    assert client.get(f"/api/v1/jobs/{job.pk}/applications/").status_code == 403
    # A job that is not open (in review, or another's once filled) does not exist for her.
    in_review = job_create(provider=people["provider"], by=people["provider"].user,
                           data={"category": "garden", "title": "Hecke", "starts_at": next_saturday(13),
                                 "ends_at": next_saturday(14), "hourly_rate": job.hourly_rate})
    assert in_review.status == JobStatus.REVIEW
    assert client.get(f"/api/v1/jobs/{in_review.pk}/").status_code == 404


# --- after the match ------------------------------------------------------------------------------

def test_after_the_match_both_sides_see_each_others_contact_data_and_the_teen_the_address(people):
    assignment = accept(people)
    teen, senior = client_for(people["applied"].user), client_for(people["provider"].user)

    response = teen.get("/api/v1/assignments/")
    [mine] = response.json()["results"]
    assert mine["contact"]["street"] == JOB_STREET and mine["contact"]["phone"] == PROVIDER_PHONE
    assert mine["contact"]["email"] == people["provider"].user.email
    assert teen.get(f"/api/v1/jobs/{people['job'].pk}/").json()["street"] == JOB_STREET
    # The feed still never carries a street.
    assert JOB_STREET not in body(teen.get("/api/v1/jobs/"))

    response = senior.get(f"/api/v1/assignments/{assignment.pk}/")
    assert response.json()["contact"] == {"name": f"Lena {TEEN_LAST_NAME}", "phone": TEEN_PHONE,
                                          "email": people["applied"].user.email}
    # The provider never gets the teen's parents or home postcode from the contact.
    assert "eltern@example.org" not in body(response)


@pytest.mark.parametrize("persona", ["not_applied", "other_provider", "foreign_coordinator", "foreign_teen"])
def test_after_the_match_nobody_else_sees_the_contact_data(people, persona):
    assignment = accept(people)
    client = client_for(user_of(people, persona))
    assert client.get(f"/api/v1/assignments/{assignment.pk}/").status_code == 404
    response = client.get("/api/v1/assignments/")
    assert response.json()["results"] == []
    # The job is filled now: for the other teen it is gone like for every outsider.
    assert client.get(f"/api/v1/jobs/{people['job'].pk}/").status_code == 404
    for path, data in [(f"/api/v1/assignments/{assignment.pk}/cancel/", {"reason": "x"}),
                       (f"/api/v1/assignments/{assignment.pk}/complete/", {}),
                       (f"/api/v1/assignments/{assignment.pk}/no-show/", {}),
                       (f"/api/v1/assignments/{assignment.pk}/feedback/", {"stars": 1}),
                       (f"/api/v1/assignments/{assignment.pk}/incident/", {"text": "x"}),
                       (f"/api/v1/assignments/{assignment.pk}/request-again/", {})]:
        assert client.post(path, data, format="json").status_code == 404, path
    for text in (body(client.get("/api/v1/jobs/")), body(client.get("/api/v1/assignments/"))):
        for secret in (JOB_STREET, PROVIDER_PHONE, TEEN_PHONE):
            assert secret not in text
    assert Assignment.objects.get(pk=assignment.pk).status == "confirmed"


def test_the_own_coordinator_sees_both_sides_and_the_parents(people):
    assignment = accept(people)
    client = client_for(people["coordinator"])
    contact = client.get(f"/api/v1/assignments/{assignment.pk}/").json()["contact"]
    assert contact["provider"]["street"] == JOB_STREET and contact["provider"]["phone"] == PROVIDER_PHONE
    assert contact["teen"]["phone"] == TEEN_PHONE and contact["teen"]["parent_email"] == "eltern@example.org"
    assert {j["id"] for j in client.get("/api/v1/jobs/").json()["results"]} == {
        people["job"].pk, people["other_job"].pk}
    # She may not rate the match: that is for the two sides.
    response = client.post(f"/api/v1/assignments/{assignment.pk}/feedback/", {"stars": 5}, format="json")
    assert response.status_code == 403


def test_a_teen_cannot_cancel_or_complete_another_teens_match(people):
    assignment = accept(people)
    client = client_for(people["not_applied"].user)
    assert client.post(f"/api/v1/assignments/{assignment.pk}/cancel/", {"reason": "x"},
                       format="json").status_code == 404
    assert Job.objects.get(pk=people["job"].pk).status == JobStatus.FILLED


def test_anonymous_callers_get_nothing(people):
    from rest_framework.test import APIClient

    client = APIClient()
    for path in ("/api/v1/jobs/", f"/api/v1/jobs/{people['job'].pk}/", "/api/v1/assignments/",
                 "/api/v1/applications/"):
        assert client.get(path).status_code in (401, 403)
    assert client.post("/api/v1/proposals/", {}, format="json").status_code in (401, 403)
