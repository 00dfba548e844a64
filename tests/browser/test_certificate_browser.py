"""Issue 6, done when: "she downloads a certificate and reads it". A coordinator opens a teen's
certificate page, chooses a period, downloads the PDF, and its text says what it must; the teen
downloads her own from her page. Each page is checked with axe-core and stays on our origin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_coordinator, make_provider, make_teen, years_ago
from tests.services.test_certificate import days_ago, finished_job, named, pdf_text

from .conftest import assert_accessible, assert_same_origin
from .helpers import at, expect, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEEN_EMAIL = "ayse@example.org"


def download(page, tmp_path, button_name: str):
    with page.expect_download() as info:
        page.get_by_role("button", name=button_name).click()
    file = info.value
    assert file.failure() is None, file.failure()
    path = tmp_path / file.suggested_filename
    file.save_as(path)
    return file.suggested_filename, path.read_bytes()


def test_a_coordinator_and_the_teen_download_the_certificate_and_read_it(new_page, exchange, tmp_path):
    exchange.signatory = "Maria Schmitz, Koordination"
    exchange.save()
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    provider = make_provider(exchange)
    teen = named(make_teen(exchange, age=17, email=TEEN_EMAIL), "Ayşe", "Yılmaz")
    finished_job(teen, provider, day=days_ago(90), category="garden", title="Laub rechen", minutes=90)
    finished_job(teen, provider, day=days_ago(60), category="digital", title="Smartphone einrichten", minutes=60)
    finished_job(teen, provider, day=days_ago(30), category="garden", title="Beete jäten", minutes=120)
    finished_job(teen, provider, day=days_ago(400), category="pets", title="Vor dem Zeitraum", minutes=60)

    # --- the coordinator, from the teen's certificate page -------------------------------
    page = new_page()
    log_in(page, coordinator.email, who="coordinator")
    page.goto(f"/koordination/jugendliche/{teen.pk}/nachweis/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachweis für Bewerbungen")
    expect(page.get_by_role("main")).to_contain_text("Ayşe Yılmaz")
    assert_accessible(page, context="coordinator: certificate form")
    main = page.get_by_role("main")
    start, end = days_ago(180), days_ago(1)
    main.get_by_label("von", exact=True).fill(start.isoformat())
    main.get_by_label("bis", exact=True).fill(end.isoformat())

    filename, content = download(page, tmp_path, "Nachweis herunterladen (PDF)")

    assert filename == f"Nachweis-Ayşe-Yılmaz-{start}-{end}.pdf"
    text = pdf_text(content)
    assert "Nachweis für Bewerbungen" in text
    assert "Ayşe Yılmaz" in text
    assert "Garten" in text and "Handy- und PC-Hilfe" in text
    assert "Insgesamt: 3 Einsätze, 4,5 Stunden" in text
    assert "Maria Schmitz, Koordination" in text
    assert "Vor dem Zeitraum" not in text and "Muster" not in text
    assert_same_origin(page)

    # A period without done jobs: an error next to the form, no download.
    main.get_by_label("von", exact=True).fill(days_ago(20).isoformat())
    main.get_by_label("bis", exact=True).fill(days_ago(10).isoformat())
    follow(page, main.get_by_role("button", name="Nachweis herunterladen (PDF)"),
           url=at(f"/koordination/jugendliche/{teen.pk}/nachweis/"))
    expect(page.get_by_role("alert").first).to_contain_text("Im gewählten Zeitraum gibt es keine erledigten Einsätze.")
    assert_accessible(page, context="coordinator: certificate form with an error")

    # --- the teen, from her past jobs -----------------------------------------------------
    page = new_page()
    log_in(page, TEEN_EMAIL, who="teen")
    page.goto("/jugendliche/einsaetze/")
    follow(page, page.get_by_role("link", name="Nachweis für Bewerbungen herunterladen"),
           url=at("/jugendliche/nachweis/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Nachweis für Bewerbungen")
    assert_accessible(page, context="teen: certificate form")
    today = timezone.localdate()
    expect(page.get_by_label("bis", exact=True)).to_have_value(today.isoformat())

    filename, content = download(page, tmp_path, "Nachweis herunterladen (PDF)")

    year_ago = years_ago(1) + timedelta(days=1)
    assert filename == f"Nachweis-Ayşe-Yılmaz-{year_ago}-{today}.pdf"
    text = pdf_text(content)
    assert "Ayşe Yılmaz" in text and "Insgesamt: 3 Einsätze, 4,5 Stunden" in text
    assert "Vor dem Zeitraum" not in text
    assert_same_origin(page)
