"""The period (and, for a coordinator of several exchanges, the exchange) of the statistics.

GET parameters `start`, `end` (ISO dates, as the browser's date picker sends them) and `boerse`
(an exchange id, empty for all of hers). A missing date falls back to the current calendar year;
a wrong one is an error next to its field, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .forms import date_field

MAX_YEARS = 3
FIRST_YEAR, LAST_YEAR = 2000, 2100
ALL_EXCHANGES = ""


def this_year(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class QuickChoice:
    label: str
    start: date
    end: date


def quick_choices(today: date) -> list[QuickChoice]:
    """This year, last year, the last 12 months, and the quarters of this year so far and of last
    year, most recent first."""
    year = today.year
    choices = [
        QuickChoice(str(_("Dieses Jahr")), *this_year(today)),
        QuickChoice(str(_("Letztes Jahr")), date(year - 1, 1, 1), date(year - 1, 12, 31)),
        QuickChoice(str(_("Letzte 12 Monate")), _years_later(today, -1) + timedelta(days=1), today),
    ]
    current_quarter = (today.month - 1) // 3 + 1
    for y, q in [(year, q) for q in range(current_quarter, 0, -1)] + [(year - 1, q) for q in range(4, 0, -1)]:
        first = date(y, 3 * q - 2, 1)
        last = (date(y, 3 * q, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        label = _("%(quarter)s. Quartal %(year)s") % {"quarter": q, "year": y}
        choices.append(QuickChoice(str(label), first, last))
    return choices


class StatsPeriodForm(forms.Form):
    boerse = forms.ChoiceField(label=_("Börse"), required=False)
    start = date_field(_("von"))
    end = date_field(_("bis (einschließlich)"))

    def __init__(self, data=None, *, exchanges=None, today: date | None = None):
        """`exchanges`: the coordinator's exchanges to choose from; None for the operator's view
        of all exchanges, which has no choice."""
        self.today = today or timezone.localdate()
        default_start, default_end = this_year(self.today)
        # Only what was sent overrides the defaults, so that "?boerse=3" alone shows this year.
        merged = {"start": default_start.isoformat(), "end": default_end.isoformat(), "boerse": ALL_EXCHANGES}
        if data is not None:
            merged.update({k: v for k, v in data.items() if k in merged and v.strip()})
        super().__init__(merged)
        if exchanges is None:
            del self.fields["boerse"]
            self.several = False
            return
        exchanges = list(exchanges)
        self.several = len(exchanges) > 1
        choices = [(str(e.pk), e.name) for e in exchanges]
        if self.several:
            choices.insert(0, (ALL_EXCHANGES, _("Alle meine Börsen")))
        self.fields["boerse"].choices = choices
        self.fields["boerse"].error_messages["invalid_choice"] = _("Diese Börse gibt es nicht.")
        if not self.several:
            # One exchange: nothing to choose; an empty value means hers.
            self.fields["boerse"].widget = forms.HiddenInput()
            self.fields["boerse"].choices = [(ALL_EXCHANGES, ""), *choices]

    def _plausible(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not (FIRST_YEAR <= day.year <= LAST_YEAR):
            # Also keeps date arithmetic far from year 9999.
            raise forms.ValidationError(_("Bitte ein Datum zwischen %(first)s und %(last)s angeben.")
                                        % {"first": FIRST_YEAR, "last": LAST_YEAR})
        return day

    def clean_start(self):
        return self._plausible("start")

    def clean_end(self):
        return self._plausible("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("Das Ende liegt vor dem Beginn. Bitte wählen Sie ein späteres Datum."))
            elif end >= _years_later(start, MAX_YEARS):
                self.add_error("end", _("Der Zeitraum darf höchstens drei Jahre umfassen."))
        return cleaned

    def period_label(self) -> str:
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        return f"{date_format(start, 'SHORT_DATE_FORMAT')}–{date_format(end, 'SHORT_DATE_FORMAT')}"
