"""The certificate for job applications ("Nachweis für Bewerbungen"): a teen's done jobs over a
period as an A4 PDF, issued by her exchange.

fpdf2 is pure Python, so the PDF needs no system package. Its core fonts know Latin-1 only, so
names like "Ayşe Yılmaz" or "Łukasz" need an embedded TrueType font: Source Sans Pro (SIL OFL),
installed as a Python package too.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import font_source_sans_pro
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from accounts.models import User
from accounts.services import audit_log

from ..models import Exchange, TeenProfile
from ..selectors.certificate import CertificateEntries, certificate_entries
from ..templatetags.console import hours_text

MAX_YEARS = 5
REFERENCE_SALT = "marketplace.certificate"
FONT = "SourceSansPro"
_FONT_DIR = os.path.join(os.path.dirname(font_source_sans_pro.__file__), "files")

# fontTools logs every step of subsetting the embedded font at INFO level: some 50 lines of noise
# in the server's log for each certificate.
logging.getLogger("fontTools").setLevel(logging.WARNING)


# --- the period --------------------------------------------------------------------------------

def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def default_period(*, today: date | None = None) -> tuple[date, date]:
    """The last twelve months up to today."""
    today = today or timezone.localdate()
    return _years_before(today, 1) + timedelta(days=1), today


def certificate_period(*, start: date, end: date, today: date | None = None) -> tuple[date, date]:
    """The period as it will be printed: an end after today becomes today (nothing can be done
    in the future); at most five years, because a certificate should show the recent years."""
    today = today or timezone.localdate()
    if start > today:
        raise ValidationError({"start": [_("Der Beginn darf nicht in der Zukunft liegen.")]})
    if start > end:
        raise ValidationError({"end": [_("Das Ende darf nicht vor dem Beginn liegen.")]})
    end = min(end, today)
    if start.year < 2000:  # also keeps the date arithmetic below away from the year 1
        raise ValidationError({"start": [_("Bitte ein Datum ab dem Jahr 2000 angeben.")]})
    if start < _years_before(end, MAX_YEARS):
        raise ValidationError({"start": [_("Der Zeitraum darf höchstens %(years)d Jahre umfassen.")
                                         % {"years": MAX_YEARS}]})
    return start, end


# --- the verification reference ---------------------------------------------------------------

def _code(*, teen_id: int, start: date, end: date, issued_on: date) -> str:
    value = f"{teen_id}:{start.isoformat()}:{end.isoformat()}:{issued_on.isoformat()}"
    digest = signing.b64_decode(signing.Signer(salt=REFERENCE_SALT).signature(value).encode())
    # Base 32: no letters that look alike in print are mixed up by case, easy to read on the phone.
    return base64.b32encode(digest).decode()[:8]


def certificate_reference(*, teen_id: int, start: date, end: date, issued_on: date) -> str:
    """A short code printed on the certificate. With the period printed beside it, the
    coordination can confirm that her exchange issued exactly this certificate."""
    code = _code(teen_id=teen_id, start=start, end=end, issued_on=issued_on)
    return f"{teen_id}-{issued_on:%Y%m%d}-{code[:4]}-{code[4:]}"


def certificate_reference_valid(*, reference: str, start: date, end: date) -> bool:
    match = re.fullmatch(r"(\d+)-(\d{8})-([A-Z2-7]{4})-([A-Z2-7]{4})", reference.strip().upper())
    if not match:
        return False
    try:
        issued_on = datetime.strptime(match[2], "%Y%m%d").date()
    except ValueError:
        return False
    expected = _code(teen_id=int(match[1]), start=start, end=end, issued_on=issued_on)
    return constant_time_compare(expected, match[3] + match[4])


# --- numbers and words -----------------------------------------------------------------------

def format_hours(minutes: int) -> str:
    """Hours as the console writes them, always in German (the certificate is German):
    90 → "1,5", 45 → "0,75", 120 → "2", 60 000 → "1.000"."""
    with translation.override("de"):
        return hours_text(Decimal(minutes) / 60, grouping=True)


def hours_phrase(minutes: int) -> str:
    return ngettext("%(hours)s Stunde", "%(hours)s Stunden", 1 if minutes == 60 else 2) % {
        "hours": format_hours(minutes)}


def jobs_phrase(count: int) -> str:
    return ngettext("%(count)d Einsatz", "%(count)d Einsätze", count) % {"count": count}


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _place_of_issue(exchange: Exchange) -> str:
    """The town from the exchange's postal address ("Bahnstraße 1, 52351 Düren" → "Düren")."""
    matches = re.findall(r"\b\d{5}\s+([^\n,]+)", exchange.address or "")
    return matches[-1].strip() if matches else ""


def teen_full_name(teen: TeenProfile) -> str:
    return " ".join(part for part in (teen.first_name.strip(), teen.last_name.strip()) if part)


# --- the file ----------------------------------------------------------------------------------

# Letters that have no ASCII decomposition, or whose German spelling differs from dropping the
# accent (ä is "ae", not "a").
_ASCII_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
                                 "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae",
                                 "đ": "d", "Đ": "D", "œ": "oe", "Œ": "Oe"})


def certificate_filename(*, teen: TeenProfile, start, end) -> str:
    words = [w for w in re.split(r"[\s/\\\"';:*?<>|]+", teen_full_name(teen)) if w]
    return "-".join(["Nachweis", *words, start.isoformat(), end.isoformat()]) + ".pdf"


def content_disposition(filename: str) -> str:
    """An ASCII-safe name for old clients, the real one (RFC 6266, filename*) for the others."""
    ascii_name = unicodedata.normalize("NFKD", filename.translate(_ASCII_SPELLING))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-") or "Nachweis.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- the document ------------------------------------------------------------------------------

class _CertificatePDF(FPDF):
    def __init__(self, *, running_title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.add_font(FONT, "", os.path.join(_FONT_DIR, "SourceSansPro-Regular.ttf"))
        self.add_font(FONT, "B", os.path.join(_FONT_DIR, "SourceSansPro-Bold.ttf"))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=22)

    def header(self):
        # From the second page on, whose certificate a loose sheet belongs to.
        if self.page_no() > 1:
            self.set_font(FONT, "", 9)
            self.set_text_color(90)
            self.cell(0, 5, self.running_title, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
            self.ln(4)

    def footer(self):
        self.set_y(-15)
        self.set_font(FONT, "", 9)
        self.set_text_color(90)
        # fpdf2 replaces "{nb}" by the number of pages when the document is finished.
        self.cell(0, 6, _("Seite %(page)s von %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="C")
        self.set_text_color(0)

    def paragraph(self, text: str, *, size: float = 11, style: str = "", height: float = 5.6, after: float = 2):
        self.set_font(FONT, style, size)
        self.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
        if after:
            self.ln(after)


def _exchange_block(pdf: _CertificatePDF, exchange: Exchange) -> None:
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, exchange.name, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    lines = [line.strip() for line in (exchange.address or "").splitlines() if line.strip()]
    if exchange.contact_phone:
        lines.append(_("Telefon: %(phone)s") % {"phone": exchange.contact_phone})
    if exchange.contact_email:
        lines.append(_("E-Mail: %(email)s") % {"email": exchange.contact_email})
    for line in lines:
        pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_draw_color(150)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_draw_color(0)
    pdf.ln(8)


def _jobs_table(pdf: _CertificatePDF, data: CertificateEntries) -> None:
    pdf.set_font(FONT, "", 10)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
    with pdf.table(col_widths=(24, 40, 84, 22), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
                   headings_style=heading, line_height=5.2, padding=(1.2, 1.5), repeat_headings=1,
                   width=pdf.epw) as table:
        table.row([_("Datum"), _("Bereich"), _("Tätigkeit"), _("Stunden")])
        for entry in data.entries:
            table.row([_day(entry.day), entry.category, entry.activity, format_hours(entry.minutes)])
    pdf.ln(6)


def _summary(pdf: _CertificatePDF, data: CertificateEntries) -> None:
    if pdf.will_page_break(30 + 7 * len(data.by_category)):
        pdf.add_page()
    pdf.paragraph(_("Zusammenfassung nach Bereichen"), size=12, style="B", after=1)
    pdf.set_font(FONT, "", 10)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
    with pdf.table(col_widths=(90, 40, 40), text_align=("LEFT", "RIGHT", "RIGHT"), headings_style=heading,
                   line_height=5.2, padding=(1.2, 1.5), width=pdf.epw, align="LEFT") as table:
        table.row([_("Bereich"), _("Einsätze"), _("Stunden")])
        for total in data.by_category:
            table.row([total.category, str(total.count), format_hours(total.minutes)])
    pdf.ln(3)
    pdf.paragraph(_("Insgesamt: %(jobs)s, %(hours)s") % {"jobs": jobs_phrase(data.count),
                                                          "hours": hours_phrase(data.minutes)},
                  size=11, style="B", after=6)


def _signature(pdf: _CertificatePDF, *, exchange: Exchange, issued_on: date, reference: str) -> None:
    # Place, signature and note belong together on one page.
    if pdf.will_page_break(55):
        pdf.add_page()
    place = _place_of_issue(exchange)
    if place:
        pdf.paragraph(_("%(place)s, den %(date)s") % {"place": place, "date": _day(issued_on)}, after=12)
    else:
        pdf.paragraph(_("Ausgestellt am %(date)s") % {"date": _day(issued_on)}, after=12)
    pdf.set_draw_color(120)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 75, pdf.get_y())
    pdf.set_draw_color(0)
    pdf.ln(1.5)
    signatory = exchange.signatory.strip() or _("Die Koordination der %(exchange)s") % {"exchange": exchange.name}
    pdf.paragraph(signatory, after=0)
    if exchange.signatory.strip():
        pdf.paragraph(exchange.name, size=10, after=0)
    pdf.ln(8)
    pdf.set_text_color(70)
    pdf.paragraph(_("Dieser Nachweis wurde elektronisch erstellt und ist ohne Unterschrift gültig."),
                  size=9, height=4.6, after=0)
    pdf.paragraph(_("Prüfnummer: %(reference)s. Die Koordination bestätigt auf Anfrage, dass sie diesen "
                    "Nachweis ausgestellt hat.") % {"reference": reference}, size=9, height=4.6, after=0)
    pdf.set_text_color(0)


def certificate_pdf(*, teen: TeenProfile, start: date, end: date, issued_by: User | None = None,
                    now: datetime | None = None) -> bytes:
    """The certificate as PDF bytes, in German whatever the reader's language: it is meant for
    German employers. Raises ValidationError for a bad period or one without done jobs, so that
    nobody hands in an empty certificate. With `issued_by` the issue is on record."""
    now = now or timezone.now()
    issued_on = timezone.localdate(now)
    start, end = certificate_period(start=start, end=end, today=issued_on)
    exchange = teen.exchange
    data = certificate_entries(teen=teen, start=start, end=end)
    if exchange is None or not data.entries:
        raise ValidationError(_("Im gewählten Zeitraum gibt es keine erledigten Einsätze."), code="empty")
    reference = certificate_reference(teen_id=teen.pk, start=start, end=end, issued_on=issued_on)
    with translation.override("de"):
        pdf = _render(teen=teen, exchange=exchange, start=start, end=end, data=data, issued_on=issued_on,
                      reference=reference, now=now)
    if issued_by is not None:
        audit_log(actor=issued_by, action="marketplace.teen.certificate_issued", target=teen,
                  exchange_id=exchange.pk, subject_user_id=teen.user_id,
                  data={"start": start.isoformat(), "end": end.isoformat(), "reference": reference})
    return pdf


def _render(*, teen, exchange, start, end, data, issued_on, reference, now) -> bytes:
    name = teen_full_name(teen)
    title = _("Nachweis für Bewerbungen")
    pdf = _CertificatePDF(running_title=f"{title} – {name} – {_day(start)} bis {_day(end)}")
    pdf.set_title(f"{title} – {name}")
    pdf.set_author(exchange.name)
    pdf.set_subject(_("Erledigte Einsätze vom %(start)s bis %(end)s") % {"start": _day(start), "end": _day(end)})
    pdf.set_creator(exchange.name)
    pdf.set_lang("de-DE")
    pdf.set_creation_date(now)
    pdf.add_page()

    _exchange_block(pdf, exchange)
    pdf.paragraph(title, size=20, style="B", height=9, after=2)
    pdf.paragraph(_("für %(name)s") % {"name": name}, size=13, after=6)
    pdf.paragraph(_("%(name)s hat im Zeitraum vom %(start)s bis %(end)s über die %(exchange)s folgende "
                    "Tätigkeiten übernommen und zuverlässig erledigt:")
                  % {"name": name, "start": _day(start), "end": _day(end), "exchange": exchange.name}, after=4)
    _jobs_table(pdf, data)
    _summary(pdf, data)
    pdf.paragraph(_("Die Taschengeldbörse vermittelt Jugendlichen kleine, bezahlte Hilfen für Seniorinnen, "
                    "Senioren und Haushalte in ihrer Nachbarschaft. Jeder Einsatz wurde von den "
                    "Auftraggebenden als erledigt bestätigt."), size=10, height=5, after=8)
    _signature(pdf, exchange=exchange, issued_on=issued_on, reference=reference)
    return bytes(pdf.output())
