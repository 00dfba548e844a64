"""The period of a certificate ("Nachweis für Bewerbungen"). The rules and their German
messages come from the service; the form puts them next to the field they concern."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import _apply_service_errors, date_field
from .services.certificate import certificate_period, default_period


class CertificatePeriodForm(forms.Form):
    start = date_field(_("von"), required=True)
    end = date_field(_("bis"), required=True, help_text=_("Ein Datum nach heute zählt als heute."))

    def __init__(self, *args, today: date, **kwargs):
        self.today = today
        start, end = default_period(today=today)
        kwargs.setdefault("initial", {"start": start, "end": end})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            try:
                cleaned["start"], cleaned["end"] = certificate_period(start=start, end=end, today=self.today)
            except ValidationError as exc:
                self.add_service_errors(exc)
        return cleaned

    def add_service_errors(self, exc: ValidationError) -> None:
        _apply_service_errors(self, exc)
