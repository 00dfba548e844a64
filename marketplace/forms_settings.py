"""Forms of the exchange settings (`views.console_settings`). They only parse: every rule, with
its German message naming the field, is in `services.exchange_settings`, so that the admin, a
later API and these pages refuse the same things. Fields are therefore optional here; a missing
value becomes None and the service says what is missing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import DATE_FORMATS, DateInput, _apply_service_errors
from .models import Category, Exchange, Policy
from .services.exchange_settings import CATEGORY_FIELDS, CONTACT_FIELDS, GERMAN_STATES, POLICY_FIELDS


class TimeInput(forms.TimeInput):
    """The browser's time picker; it sends and expects HH:MM."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def _integer(model, name, *, help_text=""):
    label = _label(model, name)
    return forms.IntegerField(
        label=label, required=False, help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "input-short", "inputmode": "numeric"}),
        error_messages={"invalid": _("Bitte eine ganze Zahl angeben.")},
    )


def _decimal(model, name, *, example: str, help_text="", max_digits=6):
    label = _label(model, name)
    return forms.DecimalField(
        label=label, required=False, help_text=help_text, max_digits=max_digits, decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "class": "input-short"}),
        error_messages={
            "invalid": _("Bitte eine Zahl wie %(example)s angeben.") % {"example": example},
            "max_digits": _("Bitte eine Zahl wie %(example)s angeben.") % {"example": example},
            "max_whole_digits": _("Bitte eine Zahl wie %(example)s angeben.") % {"example": example},
            "max_decimal_places": _("Bitte höchstens zwei Stellen nach dem Komma angeben."),
        },
    )


def _boolean(model, name, *, help_text=""):
    return forms.BooleanField(label=_label(model, name), required=False, help_text=help_text)


class ServiceForm(forms.Form):
    """A form whose data goes to a settings service and takes its errors back."""

    service_fields: tuple[str, ...] = ()

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.service_fields if name in self.fields}

    def add_service_errors(self, exc: ValidationError) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)

    def make_read_only(self) -> None:
        """For coordinators without the right: the same page, every control disabled."""
        for field in self.fields.values():
            field.disabled = True


class PolicyForm(ServiceForm):
    service_fields = POLICY_FIELDS
    # The fieldsets of the page, in the order a coordinator thinks about her exchange.
    GROUPS = (
        (_("Alter der Jugendlichen"), ("min_age", "max_age")),
        (_("Bezahlung"), ("min_hourly_rate", "recommended_hourly_rate")),
        (_("Höchststunden je Jugendlicher/m"),
         ("max_hours_per_day", "max_hours_per_week", "max_hours_per_month", "max_hours_per_year")),
        (_("Prüfungen und Freischaltung"),
         ("job_approval_required", "provider_vetting_required", "intake_required", "insurance_required",
          "police_certificate_required")),
        (_("Schule und Feiertage"), ("earliest_start_school_days", "holiday_state")),
        (_("Nachrichten und Datenschutz"),
         ("consent_link_valid_days", "max_job_offers_per_day", "inactivity_anonymise_after_days")),
    )

    min_age = _integer(Policy, "min_age", help_text=_(
        "13, 14 oder 15 Jahre. Unter 13 Jahren ist keine Beschäftigung erlaubt; 13- und 14-Jährige nur "
        "leichte Arbeiten mit Einwilligung der Eltern."))
    max_age = _integer(Policy, "max_age", help_text=_("17 bis 21 Jahre."))
    min_hourly_rate = _decimal(Policy, "min_hourly_rate", example="5,00", help_text=_(
        "Darunter kann niemand einen Auftrag einstellen."))
    recommended_hourly_rate = _decimal(Policy, "recommended_hourly_rate", example="8,00", help_text=_(
        "Wird Auftraggebern als üblicher Satz genannt."))
    max_hours_per_day = _decimal(Policy, "max_hours_per_day", example="2", max_digits=4, help_text=_(
        "Höchstens 8 (§ 8 JArbSchG); für Kinder gilt ohnehin die gesetzliche Grenze von 2 Stunden."))
    max_hours_per_week = _decimal(Policy, "max_hours_per_week", example="10", max_digits=5, help_text=_(
        "Höchstens 40 (§ 8 JArbSchG), nicht weniger als pro Tag."))
    max_hours_per_month = _decimal(Policy, "max_hours_per_month", example="30", max_digits=5, help_text=_(
        "Freiwillig; leer lassen für keine Grenze."))
    max_hours_per_year = _decimal(Policy, "max_hours_per_year", example="200", help_text=_(
        "Freiwillig; leer lassen für keine Grenze."))
    job_approval_required = _boolean(Policy, "job_approval_required")
    provider_vetting_required = _boolean(Policy, "provider_vetting_required")
    intake_required = _boolean(Policy, "intake_required")
    insurance_required = _boolean(Policy, "insurance_required")
    police_certificate_required = _boolean(Policy, "police_certificate_required")
    earliest_start_school_days = forms.TimeField(
        label=_label(Policy, "earliest_start_school_days"), required=False, widget=TimeInput(),
        input_formats=["%H:%M", "%H.%M"],
        help_text=_("Für Jugendliche, die als Kinder gelten: an Schultagen nicht vor oder während des "
                    "Unterrichts (§ 5 Abs. 3 JArbSchG). Zwischen 8 und 18 Uhr."),
        error_messages={"invalid": _("Bitte eine Uhrzeit wie 14:00 angeben.")},
    )
    holiday_state = forms.ChoiceField(
        label=_label(Policy, "holiday_state"), required=False,
        choices=[("", _("– bitte wählen –")), *GERMAN_STATES],
        error_messages={"invalid_choice": _("Bitte ein Bundesland aus der Liste wählen.")},
    )
    consent_link_valid_days = _integer(Policy, "consent_link_valid_days", help_text=_("1 bis 60 Tage."))
    max_job_offers_per_day = _integer(Policy, "max_job_offers_per_day", help_text=_(
        "0 bis 20. Wie viele neue passende Aufträge eine Jugendliche oder ein Jugendlicher am Tag höchstens "
        "gemeldet bekommt."))
    inactivity_anonymise_after_days = _integer(Policy, "inactivity_anonymise_after_days", help_text=_(
        "90 Tage bis 5 Jahre (1825 Tage)."))

    def __init__(self, data=None, *, policy: Policy, **kwargs):
        initial = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name in ("max_hours_per_day", "max_hours_per_week", "max_hours_per_month", "max_hours_per_year"):
            if initial[name] is not None and initial[name] == initial[name].to_integral():
                initial[name] = initial[name].quantize(Decimal(1))  # "2", not "2,00" hours
        super().__init__(data, initial=initial, **kwargs)

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]


class ContactForm(ServiceForm):
    service_fields = CONTACT_FIELDS

    contact_email = forms.CharField(label=_label(Exchange, "contact_email"), required=False, max_length=254,
                                    widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    contact_phone = forms.CharField(label=_label(Exchange, "contact_phone"), required=False, max_length=40,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=_label(Exchange, "address"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    office_hours = forms.CharField(
        label=_label(Exchange, "office_hours"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wie sie Jugendliche, Eltern und Auftraggeber lesen, z. B. „Di 10–12 Uhr, Do 14–16 Uhr; "
                    "sonst Anrufbeantworter“."))
    signatory = forms.CharField(
        label=_label(Exchange, "signatory"), required=False, max_length=120,
        help_text=_("Steht unter jedem Nachweis für Bewerbungen, z. B. „Maria Schmitz, Koordination“."))

    def __init__(self, data=None, *, exchange: Exchange, **kwargs):
        super().__init__(data, initial={name: getattr(exchange, name) for name in CONTACT_FIELDS}, **kwargs)


class CategoryForm(ServiceForm):
    service_fields = CATEGORY_FIELDS

    name = forms.CharField(label=_label(Category, "name"), required=False, max_length=80)
    min_age = _integer(Category, "min_age", help_text=_(
        "Nicht unter 13 Jahren. Liegt es unter dem Mindestalter der Börse, gilt das der Börse."))
    light_work_for_children = _boolean(Category, "light_work_for_children", help_text=_(
        "Nur solche Arbeiten dürfen Jugendliche übernehmen, die als Kinder gelten (13 und 14 Jahre, "
        "vollzeitschulpflichtige 15- bis 17-Jährige)."))
    not_allowed = forms.CharField(
        label=_label(Category, "not_allowed"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wird bei jedem Auftrag dieser Kategorie angezeigt."))
    active = _boolean(Category, "active", help_text=_(
        "Abgeschaltete Kategorien können für neue Aufträge nicht mehr gewählt werden; bestehende bleiben."))
    position = _integer(Category, "position", help_text=_("Kleinere Zahlen stehen weiter oben."))

    def __init__(self, data=None, *, category: Category | None = None, **kwargs):
        initial = ({name: getattr(category, name) for name in CATEGORY_FIELDS} if category is not None
                   else {"light_work_for_children": True, "active": True})
        super().__init__(data, initial=initial, **kwargs)
        self.is_new = category is None
        if self.is_new:
            # A new category takes the next place at the end unless told otherwise.
            self.fields["position"].help_text = _("Leer lassen: ans Ende der Liste.")

    def service_data(self) -> dict:
        data = super().service_data()
        if data.get("position") is None and self.is_new:
            data.pop("position", None)
        return data


class HolidayForm(ServiceForm):
    service_fields = ("name", "start", "end")

    name = forms.CharField(label=_("Bezeichnung"), required=False, max_length=80,
                           help_text=_("z. B. „Herbstferien 2026“"))
    start = forms.DateField(label=_("Erster Ferientag"), required=False, widget=DateInput(),
                            input_formats=DATE_FORMATS,
                            error_messages={"invalid": _("Bitte ein Datum wie 12.10.2026 angeben.")})
    end = forms.DateField(label=_("Letzter Ferientag"), required=False, widget=DateInput(),
                          input_formats=DATE_FORMATS,
                          error_messages={"invalid": _("Bitte ein Datum wie 24.10.2026 angeben.")})

