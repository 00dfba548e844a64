"""The certificate for job applications ("Nachweis für Bewerbungen"): what the PDF says, read
back with pypdf as an employer's computer would, and what it must never say."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry
from marketplace.models import Assignment, AssignmentStatus, Category, Job, JobStatus
from marketplace.selectors.certificate import certificate_entries
from marketplace.services.certificate import (
    certificate_pdf,
    certificate_period,
    certificate_reference,
    certificate_reference_valid,
    format_hours,
)
from tests.factories import make_coordinator, make_provider, make_teen

pytestmark = pytest.mark.django_db

JOB_STATUS_FOR = {AssignmentStatus.DONE: JobStatus.DONE, AssignmentStatus.CONFIRMED: JobStatus.FILLED,
                  AssignmentStatus.CANCELLED: JobStatus.CANCELLED, AssignmentStatus.NO_SHOW: JobStatus.DONE}


def finished_job(teen, provider, *, day: date, category: str = "garden", title: str = "Laub rechen",
                 minutes: int | None = 90, planned: int = 90, status: str = AssignmentStatus.DONE,
                 hour: int = 10) -> Assignment:
    """A job of `provider` that `teen` did (or not, by `status`) on `day`, written directly: the
    services rightly refuse to create jobs in the past."""
    start = timezone.make_aware(datetime.combine(day, time(hour)))
    end = start + timedelta(minutes=planned)
    job = Job.objects.create(
        exchange=provider.exchange, provider=provider, title=title, street=provider.street,
        category=Category.objects.get(exchange=provider.exchange, slug=category),
        postcode_id=provider.postcode_id, latitude=50.8, longitude=6.48, starts_at=start, ends_at=end,
        hourly_rate=Decimal("8.00"), status=JOB_STATUS_FOR[status], helpers_accepted=1,
    )
    return Assignment.objects.create(job=job, teen=teen, status=status, starts_at=start, ends_at=end,
                                     minutes_worked=minutes if status == AssignmentStatus.DONE else None)


def pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-"), "not a PDF"
    return [page.extract_text() for page in PdfReader(BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return "\n".join(pdf_pages(content))


def named(teen, first_name: str, last_name: str):
    teen.first_name, teen.last_name = first_name, last_name
    teen.save(update_fields=["first_name", "last_name"])
    return teen


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


@pytest.fixture
def provider(exchange):
    return make_provider(exchange)


@pytest.fixture
def ayse(exchange):
    return named(make_teen(exchange, age=16), "Ayşe", "Yılmaz")


@pytest.fixture
def year():
    """The last twelve months."""
    return {"start": days_ago(364), "end": timezone.localdate()}


def test_the_certificate_lists_her_done_jobs_with_dates_categories_and_total_hours(exchange, provider, ayse, year):
    exchange.signatory = "Maria Schmitz, Koordination"
    exchange.address = "Bismarckstraße 16\n52351 Düren"
    exchange.contact_phone = "02421 22-0"
    exchange.save()
    finished_job(ayse, provider, day=days_ago(100), category="garden", title="Laub rechen", minutes=90)
    finished_job(ayse, provider, day=days_ago(50), category="digital", title="Smartphone einrichten", minutes=60)
    finished_job(ayse, provider, day=days_ago(10), category="garden", title="Beete jäten", minutes=120)

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert "Nachweis für Bewerbungen" in text
    assert "Ayşe Yılmaz" in text, "a name beyond Latin-1 must print as it is written"
    for day in (days_ago(100), days_ago(50), days_ago(10)):
        assert day.strftime("%d.%m.%Y") in text
    assert "Garten" in text and "Handy- und PC-Hilfe" in text
    assert "Laub rechen" in text and "Smartphone einrichten" in text and "Beete jäten" in text
    assert "Insgesamt: 3 Einsätze, 4,5 Stunden" in text
    assert "Taschengeldbörse Kreis Düren" in text and "Bismarckstraße 16" in text and "02421 22-0" in text
    assert "Maria Schmitz, Koordination" in text
    assert f"Düren, den {timezone.localdate():%d.%m.%Y}" in text
    assert (f"hat im Zeitraum vom {year['start']:%d.%m.%Y} bis {year['end']:%d.%m.%Y} über die "
            "Taschengeldbörse Kreis Düren") in " ".join(text.split())
    assert "ohne Unterschrift gültig" in text
    assert "Geburtsdatum" not in text and ayse.birth_date.strftime("%d.%m.%Y") not in text


def test_the_summary_adds_up_hours_per_category(exchange, provider, ayse, year):
    finished_job(ayse, provider, day=days_ago(30), category="garden", minutes=90)
    finished_job(ayse, provider, day=days_ago(20), category="garden", minutes=45)
    finished_job(ayse, provider, day=days_ago(10), category="pets", title="Hund ausführen", minutes=60)

    data = certificate_entries(teen=ayse, **year)

    assert [(t.category, t.count, t.minutes) for t in data.by_category] == [("Garten", 2, 135), ("Haustiere", 1, 60)]
    assert (data.count, data.minutes) == (3, 195)
    assert "Insgesamt: 3 Einsätze, 3,25 Stunden" in pdf_text(certificate_pdf(teen=ayse, **year))


def test_cancelled_no_show_future_and_out_of_period_jobs_are_not_listed(exchange, provider, ayse):
    start, end = days_ago(60), days_ago(5)
    finished_job(ayse, provider, day=days_ago(30), title="Rasen mähen")
    finished_job(ayse, provider, day=days_ago(29), title="Abgesagter Einsatz", status=AssignmentStatus.CANCELLED)
    finished_job(ayse, provider, day=days_ago(28), title="Nicht erschienen", status=AssignmentStatus.NO_SHOW)
    finished_job(ayse, provider, day=timezone.localdate() + timedelta(days=3), title="Kommender Einsatz",
                 status=AssignmentStatus.CONFIRMED)
    finished_job(ayse, provider, day=days_ago(61), title="Zu frueh")
    finished_job(ayse, provider, day=days_ago(4), title="Zu spaet")

    text = pdf_text(certificate_pdf(teen=ayse, start=start, end=end))

    assert "Rasen mähen" in text
    for title in ("Abgesagter Einsatz", "Nicht erschienen", "Kommender Einsatz", "Zu frueh", "Zu spaet"):
        assert title not in text
    assert "Insgesamt: 1 Einsatz, 1,5 Stunden" in text


def test_the_days_at_both_ends_of_the_period_count(exchange, provider, ayse):
    finished_job(ayse, provider, day=days_ago(20), title="Erster Tag", hour=8)
    finished_job(ayse, provider, day=days_ago(10), title="Letzter Tag", hour=20)

    data = certificate_entries(teen=ayse, start=days_ago(20), end=days_ago(10))

    assert [e.activity for e in data.entries] == ["Erster Tag", "Letzter Tag"]


def test_another_teens_jobs_never_appear(exchange, provider, ayse, year):
    finished_job(ayse, provider, day=days_ago(30), title="Ayşes Einsatz")
    other = make_teen(exchange, first_name="Jonas")
    finished_job(other, provider, day=days_ago(30), title="Jonas’ Einsatz")

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert "Ayşes Einsatz" in text
    assert "Jonas" not in text


def test_jobs_of_another_exchange_are_not_vouched_for(exchange, other_exchange, provider, ayse, year):
    """She moved from Aachen: the Düren coordination certifies only what it arranged itself."""
    aachen_provider = make_provider(other_exchange, postcode="52062")
    finished_job(ayse, aachen_provider, day=days_ago(200), title="In Aachen geholfen")
    finished_job(ayse, provider, day=days_ago(30), title="In Düren geholfen")

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert "In Düren geholfen" in text and "In Aachen geholfen" not in text
    assert "Taschengeldbörse Aachen" not in text


def test_the_provider_is_never_named_nor_located(exchange, provider, ayse, year):
    finished_job(ayse, provider, day=days_ago(30), title="Einkaufen für Frau Muster", category="shopping")
    finished_job(ayse, provider, day=days_ago(20), title="Garten in der Kölnstraße")
    finished_job(ayse, provider, day=days_ago(10), title="Fenster putzen", category="household")

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert "Muster" not in text and "Hildegard" not in text and "Kölnstraße" not in text
    assert "52349" not in text
    # The kind of work is still there, in the words of the category.
    assert "Einkaufen und Besorgungen" in text and "Garten" in text and "Fenster putzen" in text


def test_hours_fall_back_to_the_planned_duration_when_none_were_recorded(exchange, provider, ayse, year):
    finished_job(ayse, provider, day=days_ago(30), minutes=None, planned=150)

    assert certificate_entries(teen=ayse, **year).minutes == 150
    assert "Insgesamt: 1 Einsatz, 2,5 Stunden" in pdf_text(certificate_pdf(teen=ayse, **year))


def test_sixty_jobs_fill_several_pages_with_page_numbers_and_the_table_header_on_each(exchange, provider, ayse):
    first = days_ago(400)
    for n in range(60):
        finished_job(ayse, provider, day=first + timedelta(days=6 * n), title=f"Einsatz Nummer {n + 1}", minutes=60)
    start, end = first, timezone.localdate()

    pages = pdf_pages(certificate_pdf(teen=ayse, start=start, end=end))

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text
    text = "\n".join(pages)
    for n in (1, 30, 60):
        assert f"Einsatz Nummer {n} " in text
    assert "Insgesamt: 60 Einsätze, 60 Stunden" in text
    table_pages = [t for t in pages if "Einsatz Nummer" in t]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Datum" in text and "Tätigkeit" in text and "Stunden" in text, "the header repeats on each page"
    assert "Ayşe Yılmaz" in pages[1], "a loose second sheet still says whose it is"


def test_a_period_without_done_jobs_is_an_error_not_an_empty_pdf(exchange, provider, ayse):
    finished_job(ayse, provider, day=days_ago(300))

    with pytest.raises(ValidationError) as exc:
        certificate_pdf(teen=ayse, start=days_ago(100), end=days_ago(1))

    assert exc.value.messages == ["Im gewählten Zeitraum gibt es keine erledigten Einsätze."]


def test_the_period_must_run_forward_and_span_at_most_five_years():
    today = date(2025, 3, 15)
    with pytest.raises(ValidationError) as exc:
        certificate_period(start=date(2025, 2, 1), end=date(2025, 1, 1), today=today)
    assert exc.value.message_dict == {"end": ["Das Ende darf nicht vor dem Beginn liegen."]}
    with pytest.raises(ValidationError) as exc:
        certificate_period(start=date(2019, 1, 1), end=date(2025, 1, 1), today=today)
    assert exc.value.message_dict == {"start": ["Der Zeitraum darf höchstens 5 Jahre umfassen."]}
    with pytest.raises(ValidationError) as exc:
        certificate_period(start=date(2025, 4, 1), end=date(2025, 5, 1), today=today)
    assert "start" in exc.value.message_dict
    assert certificate_period(start=date(2020, 1, 1), end=date(2025, 1, 1), today=today) == (
        date(2020, 1, 1), date(2025, 1, 1))


def test_an_end_after_today_is_printed_as_today(exchange, provider, ayse):
    finished_job(ayse, provider, day=days_ago(30))
    today = timezone.localdate()

    text = pdf_text(certificate_pdf(teen=ayse, start=days_ago(60), end=today + timedelta(days=90)))

    assert f"bis {today:%d.%m.%Y}" in text
    assert f"{today + timedelta(days=90):%d.%m.%Y}" not in text


def test_without_a_signatory_the_coordination_of_the_exchange_signs(exchange, provider, ayse, year):
    assert exchange.signatory == ""
    finished_job(ayse, provider, day=days_ago(30))

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert "Die Koordination der Taschengeldbörse Kreis Düren" in text
    assert f"Ausgestellt am {timezone.localdate():%d.%m.%Y}" in text, "no address, so no place"


def test_the_printed_reference_confirms_exactly_this_period(exchange, provider, ayse, year):
    finished_job(ayse, provider, day=days_ago(30))
    reference = certificate_reference(teen_id=ayse.pk, issued_on=timezone.localdate(), **year)

    text = pdf_text(certificate_pdf(teen=ayse, **year))

    assert f"Prüfnummer: {reference}" in text
    assert certificate_reference_valid(reference=reference, **year)
    assert certificate_reference_valid(reference=reference.lower(), **year)
    assert not certificate_reference_valid(reference=reference, start=year["start"] - timedelta(days=1),
                                           end=year["end"])
    other = make_teen(exchange, first_name="Jonas")
    forged = reference.replace(f"{ayse.pk}-", f"{other.pk}-", 1)
    assert not certificate_reference_valid(reference=forged, **year)
    assert not certificate_reference_valid(reference="nonsense", **year)


def test_issuing_is_on_the_record_with_the_period_only(exchange, provider, ayse, year):
    coordinator = make_coordinator(exchange)
    finished_job(ayse, provider, day=days_ago(30))

    certificate_pdf(teen=ayse, issued_by=coordinator, **year)

    entry = AuditEntry.objects.get(action="marketplace.teen.certificate_issued")
    assert (entry.actor, entry.subject_user_id, entry.exchange_id) == (coordinator, ayse.user_id, exchange.pk)
    assert entry.data["start"] == year["start"].isoformat() and entry.data["end"] == year["end"].isoformat()
    assert set(entry.data) == {"start", "end", "reference"}


@pytest.mark.parametrize(("minutes", "text"), [(90, "1,5"), (45, "0,75"), (20, "0,33"), (120, "2"),
                                                 (1110, "18,5"), (60_000, "1.000")])
def test_hours_are_written_with_a_german_decimal_comma(minutes, text):
    assert format_hours(minutes) == text
