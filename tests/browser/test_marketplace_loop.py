"""The whole marketplace loop through the real web pages in Chromium (issue 4, point 7).

A provider posts a job in three steps, the coordinator approves it, a teen finds it in her feed
and applies, the provider accepts her, both see each other's contact data, the provider
confirms the hours and the cash, the teen confirms, both rate. Each person has a browser
context (her own login session) of her own. Every page of the loop is checked with axe-core
(nothing serious or critical), and no request may leave the live server's origin.
"""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Job,
    JobStatus,
)
from tests.factories import make_coordinator, make_provider, make_teen

from .conftest import assert_accessible, assert_same_origin
from .helpers import a_saturday_ahead, at, expect, follow, log_in, see_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Laub im Vorgarten rechen"
STREET = "Kölnstraße 1"  # make_provider's address, prefilled in step 3
PROVIDER_PHONE = "02421 123456"  # make_provider's phone
TEEN_PHONE = "0151 2345678"
TEEN_EMAIL = "mia.privat@example.org"
TEEN_SURNAME = "Beispiel"  # make_teen's last name


def test_a_job_goes_from_posting_to_feedback_through_the_web_pages(new_page, exchange):
    day = a_saturday_ahead()
    assert exchange.policy.job_approval_required, "the loop needs the coordinator's review"
    provider = make_provider(exchange, email="hildegard@example.org")
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    # Lives in Kreuzau, about 6 km from the provider in Düren; make_teen makes her available on
    # Saturdays from 10 to 16 o'clock.
    teen = make_teen(exchange, age=16, first_name="Mia", postcode="52372", radius_km=10,
                     phone=TEEN_PHONE, email=TEEN_EMAIL)
    assert teen.availability.filter(weekday=day.weekday(), start__lte=time(10), end__gte=time(11, 30)).exists()

    provider_page, coordinator_page, teen_page = new_page(), new_page(), new_page()

    # --- 1. the provider asks for help in three steps --------------------------------------
    page = provider_page
    log_in(page, provider.user.email, who="provider")
    expect(page).to_have_url(at("/start/"))
    assert_accessible(page, context="provider: dashboard")
    follow(page, page.get_by_role("main").get_by_role("link", name="Hilfe anfragen"),
           url=re.compile(r"/auftraggeber/hilfe-anfragen/"))
    expect(page.get_by_role("heading", name=re.compile("Schritt 1 von 3"))).to_be_visible()
    assert_accessible(page, context="provider: Hilfe anfragen, step 1")
    page.get_by_role("radio", name=re.compile(r"^Garten\b")).check()
    page.get_by_label("Was soll gemacht werden? (kurz)").fill(TITLE)
    page.get_by_label("Mehr dazu (freiwillig)").fill("Etwa zwei Säcke Laub, Rechen ist da.")
    follow(page, page.get_by_role("button", name="Weiter"), url=re.compile(r"schritt=2"))

    expect(page.get_by_role("heading", name=re.compile("Schritt 2 von 3"))).to_be_visible()
    assert_accessible(page, context="provider: Hilfe anfragen, step 2")
    page.get_by_role("radio", name=re.compile("An einem bestimmten Tag")).check()
    page.get_by_label("Datum", exact=True).fill(day.isoformat())
    page.get_by_label("von (Uhrzeit)").select_option("10:00")
    page.get_by_label("bis (Uhrzeit)").select_option("11:30")
    page.get_by_role("radio", name="1 Person").check()
    follow(page, page.get_by_role("button", name="Weiter"), url=re.compile(r"schritt=3"))

    expect(page.get_by_role("heading", name=re.compile("Schritt 3 von 3"))).to_be_visible()
    assert_accessible(page, context="provider: Hilfe anfragen, step 3")
    expect(page.get_by_label("Straße und Hausnummer")).to_have_value(STREET)
    expect(page.get_by_label("Postleitzahl")).to_have_value("52349")
    page.get_by_label(re.compile("Wie viel zahlen Sie pro Stunde")).fill("9,00")
    follow(page, page.get_by_role("button", name="Anfrage absenden"), url=re.compile(r"danke="))

    expect(page.get_by_role("heading", level=1)).to_contain_text("Vielen Dank")
    assert_accessible(page, context="provider: thanks after posting")
    job = Job.objects.get(provider=provider)
    assert job.status == JobStatus.REVIEW, f"a new job should wait for the review, is {job.status}"
    assert job.title == TITLE and job.street == STREET and job.hourly_rate == Decimal("9.00")
    assert timezone.localtime(job.starts_at).date() == day

    # --- 2. the coordinator approves it ---------------------------------------------------
    page = coordinator_page
    log_in(page, coordinator.email, who="coordinator")
    expect(page).to_have_url(at("/koordination/"))
    assert_accessible(page, context="coordinator: home")
    follow(page, page.get_by_role("link", name="1 Auftrag wartet auf Prüfung"),
           url=re.compile(r"/koordination/auftraege/\?status=review"))
    assert_accessible(page, context="coordinator: jobs in review")
    follow(page, page.get_by_role("table").get_by_role("link", name=TITLE),
           url=at(f"/koordination/auftraege/{job.pk}/"))
    expect(page.get_by_role("heading", name="Prüfung")).to_be_visible()
    assert_accessible(page, context="coordinator: job under review")
    follow(page, page.get_by_role("button", name="Freigeben und veröffentlichen"),
           url=at(f"/koordination/auftraege/{job.pk}/"))
    see_message(page, "ist freigegeben")
    assert_accessible(page, context="coordinator: job after approval")
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN, f"the approved job should be open, is {job.status}"

    # --- 3. the teen finds it in her feed and applies -------------------------------------
    page = teen_page
    log_in(page, TEEN_EMAIL, who="teen")
    assert_accessible(page, context="teen: dashboard")
    follow(page, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Aufträge"),
           url=at("/jugendliche/auftraege/"))
    assert_accessible(page, context="teen: feed")
    card = page.get_by_role("article").filter(has=page.get_by_role("heading", name=TITLE))
    expect(card, "the approved job is in the teen's feed").to_have_count(1)
    expect(card).to_contain_text("52349 Düren")
    expect(card).to_contain_text(re.compile(r"\d+(,\d)?\s*km von dir"))
    for secret in ("Kölnstraße", "Muster", PROVIDER_PHONE):
        expect(card, f"{secret!r} must stay hidden from the teen before the match").not_to_contain_text(secret)
    follow(page, card.get_by_role("link", name=re.compile("Ansehen und bewerben")),
           url=at(f"/jugendliche/auftraege/{job.pk}/"))
    assert_accessible(page, context="teen: job page before applying")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Die genaue Adresse bekommst du nach der Zusage.")
    for secret in ("Kölnstraße", "Muster", PROVIDER_PHONE):
        expect(main, f"{secret!r} must stay hidden from the teen before the match").not_to_contain_text(secret)
    main.get_by_label("Deine Nachricht (freiwillig)").fill("Ich helfe gern im Garten.")
    main.get_by_role("button", name="Jetzt bewerben").click()  # htmx swaps the apply section
    expect(main.get_by_text("Super, deine Bewerbung ist abgeschickt!")).to_be_visible()
    assert_accessible(page, context="teen: job page after applying")
    application = Application.objects.get(job=job, teen=teen)
    assert application.status == ApplicationStatus.PENDING

    # --- 4. the provider sees a pseudonymous applicant and accepts her --------------------
    page = provider_page
    follow(page, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Meine Aufträge"),
           url=at("/auftraggeber/auftraege/"))
    assert_accessible(page, context="provider: her jobs")
    follow(page, page.get_by_role("main").get_by_role("link", name=TITLE).first,
           url=at(f"/auftraggeber/auftraege/{job.pk}/"))
    assert_accessible(page, context="provider: job with an applicant")
    applicant = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Mia, 16 Jahre"))
    expect(applicant, "the applicant is shown with first name and age").to_have_count(1)
    expect(applicant).to_contain_text("Ich helfe gern im Garten.")
    main = page.get_by_role("main")
    for secret in (TEEN_SURNAME, TEEN_PHONE, TEEN_EMAIL):
        expect(main, f"{secret!r} must stay hidden before she accepts").not_to_contain_text(secret)
    follow(page, applicant.get_by_role("button", name=re.compile("^Annehmen")),
           url=at(f"/auftraggeber/auftraege/{job.pk}/"))

    # --- 5. both see each other's contact data --------------------------------------------
    helper = page.get_by_role("article").filter(has=page.get_by_role("heading", name=re.compile("Mia Beispiel")))
    expect(helper, "after accepting, the provider sees the helper's full name").to_have_count(1)
    expect(helper.get_by_role("link", name=TEEN_PHONE)).to_be_visible()
    expect(helper).to_contain_text(TEEN_EMAIL)
    assert_accessible(page, context="provider: job after accepting")
    assignment = Assignment.objects.get(job=job, teen=teen)
    assert assignment.status == AssignmentStatus.CONFIRMED

    page = teen_page
    follow(page, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Meine Einsätze"),
           url=at("/jugendliche/einsaetze/"))
    assert_accessible(page, context="teen: her jobs after the match")
    mine = page.get_by_role("article").filter(has=page.get_by_role("heading", name=TITLE))
    expect(mine, "the match is among the teen's jobs").to_have_count(1)
    expect(mine).to_contain_text(STREET)
    expect(mine).to_contain_text("Hildegard Muster")
    expect(mine.get_by_role("link", name=PROVIDER_PHONE)).to_be_visible()

    # --- 6. time passes; the provider confirms the hours, the teen confirms, both rate ----
    started = timezone.now() - timedelta(hours=3)
    ended = started + timedelta(minutes=90)
    Assignment.objects.filter(pk=assignment.pk).update(starts_at=started, ends_at=ended)
    Job.objects.filter(pk=job.pk).update(starts_at=started, ends_at=ended)

    page = provider_page
    page.reload()
    follow(page, page.get_by_role("link", name="Erledigt – Stunden bestätigen"),
           url=at(f"/einsatz/{assignment.pk}/bestaetigen/"))
    assert_accessible(page, context="provider: confirm the hours")
    expect(page.get_by_label("Wie lange wurde geholfen?")).to_have_value("90")
    page.get_by_label(re.compile("Wie viel haben Sie bar bezahlt")).fill("13,50")
    follow(page, page.get_by_role("button", name="Erledigt – so bestätigen"),
           url=at(f"/auftraggeber/auftraege/{job.pk}/"))
    see_message(page, "als erledigt eingetragen")
    assert_accessible(page, context="provider: job after confirming")
    follow(page, page.get_by_role("link", name="Mia bewerten"),
           url=at(f"/einsatz/{assignment.pk}/bewerten/"))
    assert_accessible(page, context="provider: rate the helper")
    page.get_by_role("radio", name=re.compile("^5 Sterne")).check()
    page.get_by_label(re.compile("Möchten Sie etwas dazu schreiben")).fill("Sehr freundlich und fleißig.")
    follow(page, page.get_by_role("button", name="Bewertung abschicken"),
           url=at(f"/auftraggeber/auftraege/{job.pk}/"))
    see_message(page, "Vielen Dank für Ihre Bewertung!")
    assert_accessible(page, context="provider: job after rating")

    page = teen_page
    page.reload()
    mine = page.get_by_role("article").filter(has=page.get_by_role("heading", name=TITLE))
    follow(page, mine.get_by_role("link", name=re.compile("Ich war da – bestätigen")),
           url=at(f"/einsatz/{assignment.pk}/bestaetigen/"))
    assert_accessible(page, context="teen: confirm the job took place")
    follow(page, page.get_by_role("button", name="Ja, der Einsatz hat stattgefunden"),
           url=at("/jugendliche/einsaetze/"))
    see_message(page, "Du hast den Einsatz bestätigt.")
    assert_accessible(page, context="teen: her jobs after confirming")
    mine = page.get_by_role("article").filter(has=page.get_by_role("heading", name=TITLE))
    expect(mine).to_contain_text("13,50")
    follow(page, mine.get_by_role("link", name=re.compile("^Bewerten")),
           url=at(f"/einsatz/{assignment.pk}/bewerten/"))
    assert_accessible(page, context="teen: rate the provider")
    page.get_by_role("radio", name=re.compile("^5 Sterne")).check()
    page.get_by_label(re.compile("Möchtest du etwas dazu schreiben")).fill("Sehr nett, es gab Kakao.")
    follow(page, page.get_by_role("button", name="Bewertung abschicken"),
           url=at("/jugendliche/einsaetze/"))
    see_message(page, "Danke für deine Bewertung!")
    assert_accessible(page, context="teen: her jobs after rating")

    # --- nothing left our origin, and the database agrees ---------------------------------
    for each in (provider_page, coordinator_page, teen_page):
        assert_same_origin(each)

    assignment.refresh_from_db()
    job.refresh_from_db()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert assignment.status == AssignmentStatus.DONE, f"assignment is {assignment.status}"
    assert assignment.minutes_worked == 90 and assignment.amount_paid == Decimal("13.50")
    assert assignment.provider_confirmed_at and assignment.teen_confirmed_at
    assert job.status == JobStatus.DONE, f"job is {job.status}"
    feedback = {f.author: f for f in Feedback.objects.filter(assignment=assignment)}
    assert set(feedback) == {FeedbackAuthor.PROVIDER, FeedbackAuthor.TEEN}, feedback
    assert feedback[FeedbackAuthor.PROVIDER].stars == 5
    assert feedback[FeedbackAuthor.PROVIDER].comment == "Sehr freundlich und fleißig."
    assert feedback[FeedbackAuthor.TEEN].stars == 5
    assert feedback[FeedbackAuthor.TEEN].comment == "Sehr nett, es gab Kakao."
