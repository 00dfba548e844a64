"""Web forms of the marketplace.

Forms parse and present input; the rules live in the services (STYLE habit 1). Each form turns
its cleaned data into the `data` dict a service expects, and takes the service's
`ValidationError` back onto its fields, so an error from a rule appears next to the field it
concerns, in the same words the API returns.
"""

from __future__ import annotations

from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms.utils import ErrorList
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ContactPreference, Exchange, Policy, TeenProfile, TeenStatus
from .services.teens import (
    DECIDED,
    SLOT_STEP_MINUTES,
    Decision,
    Period,
    Slot,
    age_on,
    current_consent,
)

REQUIRED = {"required": _("Bitte ausfüllen.")}
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]

WEEKDAYS = [
    (0, _("Montag")),
    (1, _("Dienstag")),
    (2, _("Mittwoch")),
    (3, _("Donnerstag")),
    (4, _("Freitag")),
    (5, _("Samstag")),
    (6, _("Sonntag")),
]

# What the time selects offer: 06:00 to 22:00 in quarter hours. Earlier or later times are not
# forbidden by the service, but the law never lets teens work then (§ 14 JArbSchG).
FIRST_HOUR, LAST_HOUR = 6, 22
TIME_CHOICES = [
    (f"{m // 60:02d}:{m % 60:02d}", f"{m // 60:02d}:{m % 60:02d}")
    for m in range(FIRST_HOUR * 60, LAST_HOUR * 60 + 1, SLOT_STEP_MINUTES)
]

postcode_validator = RegexValidator(
    r"^\d{5}$", _("Eine Postleitzahl hat fünf Ziffern, z. B. 52349.")
)


def _apply_service_errors(form: forms.Form, exc: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; return those that belong to no field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return []
    leftover: list[str] = []
    for key, messages in exc.message_dict.items():
        if key in form.fields and not form.fields[key].disabled:
            form.add_error(key, messages)
        else:
            leftover.extend(messages)
    return leftover


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label, *, required=False, help_text="", **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={**REQUIRED, "invalid": _("Bitte ein Datum wie 24.12.2010 angeben.")},
        **kwargs,
    )


class QuarterHourSelect(forms.Select):
    """A select of quarter hours that still shows a stored or posted value outside the list
    (for example 05:30, set through the API), instead of silently replacing it on save."""

    def optgroups(self, name, value, attrs=None):
        known = {str(v) for v, _label in self.choices}
        missing = [v for v in value if v and v not in known]
        if not missing:
            return super().optgroups(name, value, attrs)
        original = self.choices
        self.choices = [*original, *((v, v) for v in missing)]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = original


class QuarterHourField(forms.TimeField):
    widget = QuarterHourSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", QuarterHourSelect(choices=[("", "–"), *TIME_CHOICES]))
        kwargs.setdefault("input_formats", ["%H:%M"])
        kwargs.setdefault(
            "error_messages", {**REQUIRED, "invalid": _("Bitte eine Uhrzeit wie 14:15 wählen.")}
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return value


class BlankRowMixin:
    """Formset rows: a row with no value at all is skipped (an extra empty row, or an
    existing row the teen cleared); a partly filled row is validated in full."""

    row_fields: tuple[str, ...] = ()

    def has_changed(self):
        return any(self[name].data not in (None, "") for name in self.row_fields)


class AvailabilityRowForm(BlankRowMixin, forms.Form):
    row_fields = ("weekday", "start", "end")

    weekday = forms.TypedChoiceField(
        label=_("Tag"), choices=[("", _("– Tag wählen –")), *WEEKDAYS], coerce=int,
        empty_value=None, error_messages={**REQUIRED, "invalid_choice": _("Bitte einen Tag wählen.")},
    )
    start = QuarterHourField(label=_("von"))
    end = QuarterHourField(label=_("bis"))


class AbsenceRowForm(BlankRowMixin, forms.Form):
    row_fields = ("start", "end")

    start = date_field(_("vom"), required=True)
    end = date_field(_("bis einschließlich"), required=True)


class RowFormSet(forms.BaseFormSet):
    """Every row may stay empty (see BlankRowMixin); nothing else is required."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Diese Zeile entfernen")

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "empty_permitted": True,
                "use_required_attribute": False}

    def rows(self) -> list[dict]:
        """The cleaned, filled and not removed rows."""
        return [
            form.cleaned_data for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def row_formset(form, *, extra: int, max_num: int):
    return forms.formset_factory(
        form, formset=RowFormSet, extra=extra, can_delete=True, can_delete_extra=False,
        max_num=max_num, validate_max=True, absolute_max=max_num,
    )


MAX_AVAILABILITY_ROWS = 28
MAX_ABSENCE_ROWS = 20


# --- Teen profile --------------------------------------------------------------------------


class TeenProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("Vorname"), max_length=60, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nachname"), max_length=60, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_date = date_field(
        _("Geburtsdatum"), required=True,
        help_text=_("Danach richtet sich, welche Aufträge und Zeiten für dich erlaubt sind."),
    )
    in_compulsory_school = forms.TypedChoiceField(
        label=_("Ich gehe noch zur Schule und bin vollzeitschulpflichtig"),
        choices=[("1", _("Ja")), ("0", _("Nein"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={**REQUIRED, "required": _("Bitte wähle Ja oder Nein.")},
        help_text=_(
            "Vollzeitschulpflichtig bist du in den ersten 9 oder 10 Schuljahren (je nach "
            "Bundesland; in NRW 10). Wähle „Ja“, wenn du diese Schuljahre noch nicht fertig hast. "
            "Wähle „Nein“, wenn du sie schon geschafft hast, zum Beispiel in der Oberstufe nach "
            "dem 10. Schuljahr, in der Ausbildung oder nach der Schule. Das Jugendarbeitsschutz"
            "gesetz erlaubt Schülerinnen und Schülern weniger Arbeitszeiten."
        ),
    )
    postcode = forms.CharField(
        label=_("Postleitzahl"), max_length=5, validators=[postcode_validator],
        error_messages=REQUIRED,
        help_text=_("Wir brauchen nur die Postleitzahl, nicht deine Adresse."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "size": 6}),
    )
    radius_km = forms.IntegerField(
        label=_("Wie weit würdest du fahren? (Umkreis in km)"), min_value=1, max_value=25, initial=5,
        help_text=_("Zwischen 1 und 25 km, gemessen von der Mitte deiner Postleitzahl."),
        error_messages={
            **REQUIRED,
            "invalid": _("Bitte eine ganze Zahl angeben."),
            "min_value": _("Der Umkreis muss zwischen 1 und 25 km liegen."),
            "max_value": _("Der Umkreis muss zwischen 1 und 25 km liegen."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    interests = forms.MultipleChoiceField(
        label=_("Was machst du gern?"), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Diese Kategorie bietet deine Börse nicht an.")},
    )
    phone = forms.CharField(
        label=_("Handynummer (freiwillig)"), max_length=40, required=False,
        help_text=_("Nur für Auftraggeber, mit denen du einen Auftrag fest vereinbart hast."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    parent_name = forms.CharField(
        label=_("Name eines Elternteils"), max_length=120, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    parent_email = forms.EmailField(
        label=_("E-Mail-Adresse dieses Elternteils"), required=False,
        help_text=_("Dorthin schicken wir einen Link. Damit stimmen deine Eltern zu."),
        error_messages={"invalid": _("Bitte eine gültige E-Mail-Adresse angeben.")},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, teen: TeenProfile, **kwargs):
        self.teen = teen
        kwargs.setdefault("initial", self.initial_for(teen))
        super().__init__(*args, **kwargs)
        self.categories_known = teen.exchange_id is not None
        if self.categories_known:
            self.fields["interests"].choices = [
                (c.slug, c.name) for c in teen.exchange.categories.filter(active=True)
            ]
        # Birth date and school status decide what a teen may legally do; after a
        # coordinator's decision only the coordinator changes them (the service enforces it).
        self.locked = teen.status in DECIDED
        if self.locked:
            for name in ("birth_date", "in_compulsory_school"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Das kann nach der Freischaltung nur die Koordination ändern. Stimmt etwas "
                    "nicht? Melde dich bei deiner Taschengeldbörse."
                )

    @staticmethod
    def initial_for(teen: TeenProfile) -> dict:
        return {
            "first_name": teen.first_name,
            "last_name": teen.last_name,
            "birth_date": teen.birth_date,
            "in_compulsory_school": "1" if teen.in_compulsory_school else "0",
            "postcode": teen.postcode_id or "",
            "radius_km": teen.radius_km,
            "interests": [c.slug for c in teen.interests.all()] if teen.pk else [],
            "phone": teen.phone,
            "parent_name": teen.parent_name,
            "parent_email": teen.parent_email,
        }

    def clean(self):
        cleaned = super().clean()
        birth_date = None if "birth_date" in self.errors else cleaned.get("birth_date")
        # Completeness, not a rule: a minor's profile is incomplete without a parent to ask
        # (the service would store it as "incomplete" without telling why).
        if birth_date and age_on(birth_date, timezone.localdate()) < 18:
            for name, message in (
                ("parent_name", _("Du bist noch nicht 18. Bitte gib den Namen eines Elternteils an.")),
                ("parent_email", _("Du bist noch nicht 18. Bitte gib die E-Mail-Adresse eines "
                                   "Elternteils an.")),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        parent_email = (cleaned.get("parent_email") or "").lower()
        if parent_email and parent_email == self.teen.user.email.lower():
            self.add_error("parent_email", _("Das ist deine eigene Adresse. Bitte gib die "
                                             "E-Mail-Adresse deiner Eltern an."))
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in (
            "first_name", "last_name", "postcode", "radius_km", "phone", "parent_name",
            "parent_email")}
        if not self.locked:
            data["birth_date"] = self.cleaned_data["birth_date"]
            data["in_compulsory_school"] = self.cleaned_data["in_compulsory_school"]
        if self.categories_known:
            data["interests"] = list(self.cleaned_data["interests"])
        return data


class TeenProfileForms:
    """The teen's profile page: the profile form and the two row formsets, validated, turned
    into one service call and given its errors back as one unit."""

    AVAILABILITY = "availability"
    ABSENCES = "absences"

    def __init__(self, *, teen: TeenProfile, data=None, add_row: str | None = None):
        self.teen = teen
        if data is not None and add_row:
            # "Add a row" re-renders what was typed, unvalidated, with one more empty row.
            typed = _BoundValues(teen=teen, data=data)
            self._build(teen=teen, data=None, form_initial=typed.form,
                        availability=typed.availability, absences=typed.absences, add_row=add_row)
        else:
            self._build(teen=teen, data=data)
        self.availability_errors = ErrorList()
        self.absences_errors = ErrorList()

    def _build(self, *, teen, data, form_initial=None, availability=None, absences=None,
               add_row=None):
        if availability is None:
            availability = [{"weekday": s.weekday, "start": s.start, "end": s.end}
                            for s in teen.availability.all()] if teen.pk else []
        if absences is None:
            absences = [{"start": a.start, "end": a.end} for a in teen.absences.all()] if teen.pk else []
        extra_availability = (1 if availability else 2) + (add_row == self.AVAILABILITY)
        extra_absences = 1 + (add_row == self.ABSENCES)
        self.form = TeenProfileForm(data, teen=teen, **({"initial": form_initial} if form_initial else {}))
        self.availability = row_formset(
            AvailabilityRowForm, extra=extra_availability, max_num=MAX_AVAILABILITY_ROWS,
        )(data, prefix=self.AVAILABILITY, initial=availability)
        self.absences = row_formset(
            AbsenceRowForm, extra=extra_absences, max_num=MAX_ABSENCE_ROWS,
        )(data, prefix=self.ABSENCES, initial=absences)

    def is_valid(self) -> bool:
        # Evaluate all three, so that every error shows at once.
        results = [self.form.is_valid(), self.availability.is_valid(), self.absences.is_valid()]
        return all(results)

    def service_data(self) -> dict:
        data = self.form.service_data()
        data["availability"] = [Slot(weekday=row["weekday"], start=row["start"], end=row["end"])
                                for row in self.availability.rows()]
        data["absences"] = [Period(start=row["start"], end=row["end"])
                            for row in self.absences.rows()]
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            error_dict = exc.message_dict
            self.availability_errors.extend(error_dict.pop(self.AVAILABILITY, []))
            self.absences_errors.extend(error_dict.pop(self.ABSENCES, []))
            exc = ValidationError(error_dict) if error_dict else None
        if exc is not None:
            leftover = _apply_service_errors(self.form, exc)
            if leftover:
                self.form.add_error(None, leftover)

    @property
    def has_errors(self) -> bool:
        return bool(
            (self.form.is_bound and (self.form.errors or self.availability.total_error_count()
                                     or self.absences.total_error_count()))
            or self.availability_errors or self.absences_errors
        )

    def all_availability_errors(self) -> ErrorList:
        errors = ErrorList(self.availability_errors)
        if self.availability.is_bound:
            errors.extend(self.availability.non_form_errors())
        return errors

    def all_absences_errors(self) -> ErrorList:
        errors = ErrorList(self.absences_errors)
        if self.absences.is_bound:
            errors.extend(self.absences.non_form_errors())
        return errors


class _BoundValues:
    """What the teen typed, read from a POST without validating it, as initial values."""

    def __init__(self, *, teen: TeenProfile, data):
        form = TeenProfileForm(data, teen=teen)
        self.form = {name: form[name].data for name in form.fields if not form.fields[name].disabled}
        for name in form.fields:
            if form.fields[name].disabled:
                self.form[name] = form[name].initial
        self.availability = self._rows(data, AvailabilityRowForm, TeenProfileForms.AVAILABILITY,
                                       MAX_AVAILABILITY_ROWS)
        self.absences = self._rows(data, AbsenceRowForm, TeenProfileForms.ABSENCES, MAX_ABSENCE_ROWS)

    @staticmethod
    def _rows(data, form_class, prefix, max_num) -> list[dict]:
        formset = row_formset(form_class, extra=0, max_num=max_num)(data, prefix=prefix)
        rows = []
        for row in formset.forms[:max_num]:
            if row.has_changed() and not ("DELETE" in row.fields and row["DELETE"].data):
                rows.append({name: row[name].data for name in form_class.row_fields})
        return rows


# --- Provider profile ----------------------------------------------------------------------

CONTACT_CHOICES = [
    (ContactPreference.EMAIL.value,
     _("E-Mail – Nachrichten kommen an Ihre E-Mail-Adresse.")),
    (ContactPreference.SMS.value,
     _("SMS – kurze Nachrichten auf Ihr Handy. Bitte geben Sie dafür Ihre Handynummer an.")),
    (ContactPreference.PHONE.value,
     _("Anruf – die Koordination ruft Sie an. Gut, wenn Sie weder E-Mail noch Handy nutzen.")),
    (ContactPreference.LETTER.value,
     _("Brief – Sie bekommen Post an Ihre Anschrift. Das dauert ein paar Tage.")),
]


class ProviderFieldsForm(forms.Form):
    """The fields a provider and a coordinator's intake have in common."""

    first_name = forms.CharField(
        label=_("Vorname"), max_length=60, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nachname"), max_length=60, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    street = forms.CharField(
        label=_("Straße und Hausnummer"), max_length=120, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postleitzahl"), max_length=5, validators=[postcode_validator],
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "size": 6}),
    )
    city = forms.CharField(
        label=_("Ort"), max_length=80, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone = forms.CharField(
        label=_("Telefonnummer"), max_length=40, required=False,
        help_text=_("Nötig, wenn wir Sie per SMS oder Anruf erreichen sollen."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("Wie möchten Sie benachrichtigt werden?"), choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte wählen Sie eine Möglichkeit."),
                        "invalid_choice": _("Bitte wählen Sie eine der angebotenen Möglichkeiten.")},
    )

    service_fields = ("first_name", "last_name", "street", "postcode", "city", "phone",
                      "contact_preference")

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.service_fields}

    def add_service_errors(self, exc: ValidationError) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)


class ProviderProfileForm(ProviderFieldsForm):
    private_person_confirmed = forms.BooleanField(
        label=_("Ich suche Hilfe als Privatperson, nicht für ein Gewerbe oder eine Firma."),
        required=False,
        help_text=_("Die Taschengeldbörse vermittelt nur kleine Hilfen für Privatpersonen."),
    )

    service_fields = (*ProviderFieldsForm.service_fields, "private_person_confirmed")

    def __init__(self, *args, profile, **kwargs):
        kwargs.setdefault("initial", {
            "first_name": profile.first_name, "last_name": profile.last_name,
            "street": profile.street, "postcode": profile.postcode_id or "", "city": profile.city,
            "phone": profile.phone, "contact_preference": profile.contact_preference,
            "private_person_confirmed": profile.private_person_confirmed,
        })
        super().__init__(*args, **kwargs)


class ProviderIntakeForm(ProviderFieldsForm):
    """A coordinator enters a provider after a phone call. The coordinator confirms in the call
    that the caller is a private person, so there is no checkbox for it."""

    email = forms.EmailField(
        label=_("E-Mail-Adresse (freiwillig)"), required=False,
        help_text=_("Mit E-Mail-Adresse bekommt die Person ein Konto und eine Einladung, ein "
                    "Passwort festzulegen. Ohne läuft alles über Telefon oder Brief."),
        error_messages={"invalid": _("Bitte eine gültige E-Mail-Adresse angeben.")},
    )
    notes = forms.CharField(
        label=_("Notiz"), required=False, max_length=2000,
        help_text=_("Nur für die Koordination sichtbar. Bitte nur, was für die Vermittlung "
                    "nötig ist (z. B. „hört schlecht, bitte laut sprechen“)."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    exchange = forms.ModelChoiceField(
        label=_("Börse"), queryset=Exchange.objects.none(), empty_label=None,
        error_messages={"required": _("Bitte eine Börse wählen."),
                        "invalid_choice": _("Diese Börse koordinieren Sie nicht.")},
    )

    service_fields = (*ProviderFieldsForm.service_fields, "email", "notes")

    def __init__(self, *args, exchanges, **kwargs):
        kwargs.setdefault("initial", {"contact_preference": ContactPreference.PHONE.value})
        super().__init__(*args, **kwargs)
        # An intake after a phone call may have no more than a name, a postcode and a phone
        # number; the service asks for the street only where a letter must reach her.
        for name in ("street", "city"):
            self.fields[name].required = False
        self.exchanges = list(exchanges)
        if len(self.exchanges) > 1:
            self.fields["exchange"].queryset = Exchange.objects.filter(
                pk__in=[e.pk for e in self.exchanges])
        else:
            del self.fields["exchange"]

    def clean(self):
        cleaned = super().clean()
        if "exchange" not in self.fields:
            if not self.exchanges:
                raise ValidationError(_("Sie koordinieren keine Börse."))
            cleaned["exchange"] = self.exchanges[0]
        return cleaned


# --- Coordinator decisions -----------------------------------------------------------------


class TeenVerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[
            (Decision.ACTIVATE, _("Freischalten – alle Voraussetzungen sind erfüllt")),
            (Decision.PAUSE, _("Pausieren – vorerst keine Vermittlung (Begründung nötig)")),
            (Decision.SUSPEND, _("Sperren – keine Vermittlung mehr (Begründung nötig)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte eine Entscheidung wählen."),
                        "invalid_choice": _("Bitte eine der angebotenen Entscheidungen wählen.")},
    )
    reason = forms.CharField(
        label=_("Begründung"), required=False, max_length=300,
        help_text=_("Sachlich und kurz. Die Begründung steht im Protokoll."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    intake_on = date_field(_("Kennenlerngespräch am"))
    paper_consent = forms.BooleanField(
        label=_("Die Einwilligung der Eltern liegt auf Papier unterschrieben vor."),
        required=False,
    )
    insurance_confirmed_on = date_field(_("Versicherungsnachweis bestätigt am"))
    police_certificate_inspected_on = date_field(
        _("Führungszeugnis eingesehen am"),
        help_text=_("Nach § 72a Abs. 5 SGB VIII wird nur festgehalten: eingesehen am, "
                    "ausgestellt am, ohne Eintrag."),
    )
    police_certificate_dated = date_field(_("Führungszeugnis ausgestellt am"))
    police_certificate_clean = forms.TypedChoiceField(
        label=_("Führungszeugnis ohne Eintrag?"), required=False,
        choices=[("1", _("Ja, ohne Eintrag")), ("0", _("Nein, mit Eintrag"))],
        coerce=lambda value: value == "1", empty_value=None, widget=forms.RadioSelect,
    )

    POLICE_FIELDS = ("police_certificate_inspected_on", "police_certificate_dated",
                     "police_certificate_clean")

    def __init__(self, *args, teen: TeenProfile, policy: Policy, **kwargs):
        clean = teen.police_certificate_clean
        kwargs.setdefault("initial", {
            "intake_on": teen.intake_on,
            "insurance_confirmed_on": teen.insurance_confirmed_on,
            "police_certificate_inspected_on": teen.police_certificate_inspected_on,
            "police_certificate_dated": teen.police_certificate_dated,
            "police_certificate_clean": None if clean is None else ("1" if clean else "0"),
        })
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        for field in self.fields.values():
            if isinstance(field.widget, DateInput):
                field.widget.attrs["max"] = today
        # Show only what the exchange's policy asks for (and what was recorded before).
        if not (teen.is_minor and current_consent(teen) is None):
            del self.fields["paper_consent"]
        if not (policy.insurance_required or teen.insurance_confirmed_on):
            del self.fields["insurance_confirmed_on"]
        if not (policy.police_certificate_required or teen.police_certificate_inspected_on):
            for name in self.POLICE_FIELDS:
                del self.fields[name]
        # Words for where she stands: an active teen is not "activated" again (the choice keeps
        # her active and saves the dates above); a paused or suspended one is reactivated.
        labels = dict(self.fields["decision"].choices)
        if teen.status == TeenStatus.ACTIVE:
            labels[Decision.ACTIVATE] = _("Aktiv lassen – Angaben speichern")
        elif teen.status in (TeenStatus.PAUSED, TeenStatus.SUSPENDED):
            labels[Decision.ACTIVATE] = _("Reaktivieren – wieder vermitteln")
        self.fields["decision"].choices = list(labels.items())

    @property
    def asks_police_certificate(self) -> bool:
        return "police_certificate_inspected_on" in self.fields

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("police_certificate_inspected_on"):
            if not cleaned.get("police_certificate_dated") and "police_certificate_dated" not in self.errors:
                self.add_error("police_certificate_dated",
                               _("Bitte das Ausstellungsdatum des Führungszeugnisses angeben."))
            if cleaned.get("police_certificate_clean") is None:
                self.add_error("police_certificate_clean", _("Bitte angeben, ob es einen Eintrag gibt."))
        return cleaned

    def service_kwargs(self) -> dict:
        kwargs = {"decision": self.cleaned_data["decision"], "reason": self.cleaned_data["reason"],
                  "intake_on": self.cleaned_data["intake_on"],
                  "paper_consent": self.cleaned_data.get("paper_consent", False)}
        for name in ("insurance_confirmed_on", *self.POLICE_FIELDS):
            if name in self.fields:
                kwargs[name] = self.cleaned_data.get(name)
        return kwargs

    def add_service_errors(self, exc: ValidationError) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)


class ProviderVetForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[
            ("activate", _("Freischalten – die Person sucht als Privatperson einfache Hilfe")),
            ("suspend", _("Sperren – keine Aufträge über die Börse (Begründung nötig)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte eine Entscheidung wählen."),
                        "invalid_choice": _("Bitte eine der angebotenen Entscheidungen wählen.")},
    )
    reason = forms.CharField(
        label=_("Begründung"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def add_service_errors(self, exc: ValidationError) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)

