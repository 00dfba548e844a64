"""Web forms for jobs and for what happens after a match.

Like `forms.py`: the forms parse and present input and hand a `data` dict to a service; the
rules live in `services/jobs.py` and `services/assignments.py`, and their `ValidationError`s
come back onto the field they concern.

`JobForm` is shared by the provider's three-step "Hilfe anfragen" (one step's fields at a
time) and by the coordinator who enters a job for a provider after a phone call (all fields
on one page):

    form = JobForm(request.POST, exchange=exchange, initial=JobForm.initial_for(provider))
    if form.is_valid():
        try:
            job = job_create(provider=provider, by=request.user, data=form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .forms import (
    DATE_FORMATS,
    REQUIRED,
    DateInput,
    QuarterHourField,
    QuarterHourSelect,
    _apply_service_errors,
    postcode_validator,
)
from .models import Category, Exchange, Job, ProviderProfile

FIXED, FLEXIBLE = "fixed", "flexible"

# The whole day in quarter hours: the law decides what is too late, and the engine says so
# in words ("Nach 20 Uhr nicht erlaubt …"), which is clearer than a time missing from a list.
DAY_TIMES = [(f"{m // 60:02d}:{m % 60:02d}", f"{m // 60:02d}:{m % 60:02d}") for m in range(0, 24 * 60, 15)]
# The usual lengths of a pocket-money job; the policy's daily cap is 2 hours by default.
DURATIONS = [*range(15, 121, 15), 150, 180, 210, 240]
WORKED_MINUTES = list(range(15, 8 * 60 + 1, 15))

STEP_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("category", "title", "description"),
    2: ("schedule", "date", "start", "end", "window_start", "window_end", "duration_minutes",
        "helpers_needed"),
    3: ("street", "postcode", "hourly_rate"),
}
FIXED_FIELDS = ("date", "start", "end")
FLEXIBLE_FIELDS = ("window_start", "window_end", "duration_minutes")
SCHEDULE_FIELDS = ("schedule", *FIXED_FIELDS, *FLEXIBLE_FIELDS)
SCHEDULE_SERVICE_KEYS = ("starts_at", "ends_at", "window_start", "window_end", "duration_minutes")

# Where an error of the service belongs on the form ("starts_at" is handled on its own).
SERVICE_FIELD = {
    "category": "category", "title": "title", "description": "description",
    "ends_at": "end", "window_start": "window_start", "window_end": "window_end",
    "duration_minutes": "duration_minutes", "helpers_needed": "helpers_needed",
    "street": "street", "postcode": "postcode", "hourly_rate": "hourly_rate",
    "fixed_amount": "hourly_rate",
}


def step_of_field(name: str) -> int:
    for step, names in STEP_FIELDS.items():
        if name in names:
            return step
    return 3


def step_of_service_errors(exc: ValidationError) -> int:
    """The first wizard step that shows one of the service's errors (the last step shows
    what belongs to no step)."""
    if not hasattr(exc, "error_dict"):
        return 3
    steps = [2 if key == "starts_at" else step_of_field(SERVICE_FIELD.get(key, "")) for key in exc.error_dict]
    return min(steps, default=3)


# --- words for times and money ---------------------------------------------------------------

def duration_text(minutes: int | None) -> str:
    """ "1 Stunde 30 Minuten" – plainer than "1,5 h" for everybody."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d Stunde", "%(n)d Stunden", hours) % {"n": hours})
    if rest:
        parts.append(ngettext("%(n)d Minute", "%(n)d Minuten", rest) % {"n": rest})
    return " ".join(parts)


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{formats.number_format(value, 2)} €"


def when_text(job) -> str:
    """When a job (or an assignment: `starts_at`, `ends_at`) takes place, in one sentence."""
    starts_at, ends_at = getattr(job, "starts_at", None), getattr(job, "ends_at", None)
    if starts_at and ends_at:
        start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        day = formats.date_format(start, "l, j. F Y")
        if end.date() == start.date():
            return gettext("%(day)s, %(start)s bis %(end)s Uhr") % {
                "day": day, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
        return gettext("%(day)s, %(start)s Uhr bis %(end_day)s, %(end)s Uhr") % {
            "day": day, "start": start.strftime("%H:%M"),
            "end_day": formats.date_format(end, "l, j. F"), "end": end.strftime("%H:%M")}
    window_start, window_end = getattr(job, "window_start", None), getattr(job, "window_end", None)
    if window_start and window_end:
        duration = duration_text(getattr(job, "duration_minutes", None))
        if window_start == window_end:
            text = gettext("am %(day)s, Uhrzeit nach Absprache") % {
                "day": formats.date_format(window_start, "l, j. F Y")}
        else:
            text = gettext("zwischen %(first)s und %(last)s, Tag und Uhrzeit nach Absprache") % {
                "first": formats.date_format(window_start, "l, j. F"),
                "last": formats.date_format(window_end, "l, j. F Y")}
        return gettext("%(when)s (Dauer etwa %(duration)s)") % {"when": text, "duration": duration} \
            if duration else text
    return ""


# --- widgets and fields -----------------------------------------------------------------------

class CategoryCards(forms.RadioSelect):
    """Each kind of help as a large card that names what is not allowed (inside the label, so
    that it is read out with the option)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        option["not_allowed"] = instance.not_allowed if instance is not None else ""
        return option


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class ChoiceSelect(QuarterHourSelect):
    """A select that still shows a stored value missing from its list (e.g. 5 hours, set
    by the coordination) instead of silently replacing it on save."""


def _duration_choices(minutes_list: Iterable[int]) -> list[tuple[str, str]]:
    return [(str(m), duration_text(m)) for m in minutes_list]


# Callables, so that the labels are built in the language of each request, not at import.
def duration_choices():
    return [("", _("– bitte wählen –")), *_duration_choices(DURATIONS)]


def worked_choices():
    return _duration_choices(WORKED_MINUTES)


def _decimal_field(label, *, required=True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, help_text=help_text, max_digits=6, decimal_places=2,
        min_value=Decimal("0"), localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "class": "input-short"}),
        error_messages={
            **REQUIRED,
            "invalid": _("Bitte einen Betrag wie 8,50 angeben."),
            "max_digits": _("Bitte einen Betrag wie 8,50 angeben."),
            "max_decimal_places": _("Bitte höchstens zwei Stellen nach dem Komma angeben."),
            "max_whole_digits": _("Bitte einen Betrag wie 8,50 angeben."),
            "min_value": _("Der Betrag kann nicht negativ sein."),
        },
    )


def _date_field(label, *, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label, required=False, help_text=help_text, widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={**REQUIRED, "invalid": _("Bitte ein Datum wie 24.12.2025 angeben.")},
    )


# --- the job ----------------------------------------------------------------------------------

class JobForm(forms.Form):
    """A job: what (step 1), when (step 2), where and for how much (step 3).

    `fields` limits the form to some of them (one wizard step, or the edit page);
    `service_data()` returns the `data` dict of `job_create` / `job_update` for those fields.
    """

    category = CategoryField(
        label=_("Art der Hilfe"), queryset=Category.objects.none(), to_field_name="slug",
        widget=CategoryCards, empty_label=None,
        error_messages={"required": _("Bitte wählen Sie aus, wobei Sie Hilfe brauchen."),
                        "invalid_choice": _("Bitte wählen Sie eine der angebotenen Möglichkeiten.")},
    )
    title = forms.CharField(
        label=_("Was soll gemacht werden? (kurz)"), max_length=120,
        help_text=_("Zum Beispiel: „Laub im Vorgarten rechen“ oder „Einkauf im Supermarkt“."),
        error_messages={"required": _("Bitte beschreiben Sie kurz, wobei Sie Hilfe brauchen."),
                        "max_length": _("Bitte fassen Sie sich kürzer (höchstens 120 Zeichen).")},
    )
    description = forms.CharField(
        label=_("Mehr dazu (freiwillig)"), required=False, max_length=2000,
        help_text=_("Was sollte die Helferin oder der Helfer wissen? Bitte keine Telefonnummer "
                    "hier – die bekommt nur, wem Sie zusagen."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Bitte fassen Sie sich kürzer (höchstens 2000 Zeichen).")},
    )

    schedule = forms.ChoiceField(
        label=_("Wann brauchen Sie Hilfe?"), widget=forms.RadioSelect(attrs={"class": "radio-cards"}),
        choices=[(FIXED, _("An einem bestimmten Tag zu einer festen Uhrzeit")),
                 (FLEXIBLE, _("Ich bin flexibel – irgendwann in einem Zeitraum"))],
        error_messages={"required": _("Bitte wählen Sie eine Möglichkeit."),
                        "invalid_choice": _("Bitte wählen Sie eine der angebotenen Möglichkeiten.")},
    )
    date = _date_field(_("Datum"))
    start = QuarterHourField(label=_("von (Uhrzeit)"), required=False,
                             widget=QuarterHourSelect(choices=[("", _("– bitte wählen –")), *DAY_TIMES]))
    end = QuarterHourField(label=_("bis (Uhrzeit)"), required=False,
                           widget=QuarterHourSelect(choices=[("", _("– bitte wählen –")), *DAY_TIMES]))
    window_start = _date_field(_("frühestens am"))
    window_end = _date_field(_("spätestens am"), help_text=_("Höchstens vier Wochen nach dem ersten Tag."))
    duration_minutes = forms.TypedChoiceField(
        label=_("Wie lange dauert es etwa?"), required=False, coerce=int, empty_value=None,
        choices=duration_choices, widget=ChoiceSelect,
        error_messages={**REQUIRED, "invalid_choice": _("Bitte eine Dauer aus der Liste wählen.")},
    )
    helpers_needed = forms.TypedChoiceField(
        label=_("Wie viele Helfer brauchen Sie?"), coerce=int,
        widget=forms.RadioSelect(attrs={"class": "radio-cards radio-cards--row"}),
        choices=[(1, _("1 Person")), (2, _("2 Personen")), (3, _("3 Personen"))],
        error_messages={"required": _("Bitte wählen Sie, wie viele Helfer Sie brauchen."),
                        "invalid_choice": _("Es können 1 bis 3 Helfer sein.")},
    )

    street = forms.CharField(
        label=_("Straße und Hausnummer"), max_length=120, error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postleitzahl"), max_length=5, validators=[postcode_validator], error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code", "size": 6,
                                      "class": "input-short"}),
    )
    hourly_rate = _decimal_field(_("Wie viel zahlen Sie pro Stunde? (in Euro)"))

    def __init__(self, data=None, *, exchange: Exchange, fields: Iterable[str] | None = None,
                 schedule_errors_as_problems: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.exchange = exchange
        self.policy = exchange.policy
        if fields is not None:
            keep = set(fields)
            for name in list(self.fields):
                if name not in keep:
                    del self.fields[name]
        if "category" in self.fields:
            self.fields["category"].queryset = exchange.categories.filter(active=True)
        if "hourly_rate" in self.fields:
            self.fields["hourly_rate"].help_text = _(
                "Empfohlen sind %(recommended)s pro Stunde, mindestens %(minimum)s. Sie zahlen "
                "bar, direkt nach der Hilfe.") % {"recommended": money(self.policy.recommended_hourly_rate),
                                                    "minimum": money(self.policy.min_hourly_rate)}
        if "date" in self.fields:
            today = timezone.localdate().isoformat()
            for name in ("date", "window_start", "window_end"):
                self.fields[name].widget.attrs["min"] = today
        # Reasons of the matching engine ("So kann niemand …"): shown as one clear box.
        self.problems: list[str] = []
        self.problems_heading = ""
        self.schedule_errors_as_problems = schedule_errors_as_problems

    @classmethod
    def for_step(cls, step: int, data=None, **kwargs) -> JobForm:
        return cls(data, fields=STEP_FIELDS[step], **kwargs)

    @staticmethod
    def initial_for(provider: ProviderProfile) -> dict:
        """What "Hilfe anfragen" starts with: her address, the recommended rate, one helper."""
        return {
            "street": provider.street, "postcode": provider.postcode_id or "",
            "hourly_rate": provider.exchange.policy.recommended_hourly_rate if provider.exchange_id else None,
            "helpers_needed": 1, "schedule": FIXED,
        }

    @staticmethod
    def initial_from_job(job: Job) -> dict:
        initial = {"category": job.category.slug, "title": job.title, "description": job.description,
                   "helpers_needed": job.helpers_needed, "street": job.street, "postcode": job.postcode_id,
                   "hourly_rate": job.hourly_rate}
        if job.starts_at:
            start, end = timezone.localtime(job.starts_at), timezone.localtime(job.ends_at)
            initial.update(schedule=FIXED, date=start.date(), start=start.time(), end=end.time())
        else:
            initial.update(schedule=FLEXIBLE, window_start=job.window_start, window_end=job.window_end,
                           duration_minutes=job.duration_minutes)
        return initial

    def full_clean(self):
        # A stored duration outside the list (set by the coordination) stays selectable.
        if "duration_minutes" in self.fields:
            value = self.data.get(self.add_prefix("duration_minutes")) if self.is_bound else None
            initial = self.initial.get("duration_minutes")
            extra = {str(v) for v in (value, initial) if v not in (None, "")}
            known = {str(m) for m in DURATIONS}
            for raw in sorted(extra - known):
                if raw.isdigit() and 15 <= int(raw) <= 8 * 60 and int(raw) % 15 == 0:
                    self.fields["duration_minutes"].choices = [
                        *self.fields["duration_minutes"].choices, (raw, duration_text(int(raw)))]
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        if "schedule" not in self.fields:
            return cleaned
        mode = cleaned.get("schedule")
        # Only the chosen way counts: what was typed into the other one is ignored.
        unused = FLEXIBLE_FIELDS if mode == FIXED else FIXED_FIELDS if mode == FLEXIBLE else ()
        for name in unused:
            self._errors.pop(name, None)
            cleaned[name] = None
        today = timezone.localdate()
        if mode == FIXED:
            self._require(cleaned, FIXED_FIELDS)
            day, start, end = cleaned.get("date"), cleaned.get("start"), cleaned.get("end")
            for name, value in (("start", start), ("end", end)):
                if value and (value.minute % 15 or value.second):
                    self.add_error(name, self.fields[name].error_messages["invalid"])
            start, end = cleaned.get("start"), cleaned.get("end")
            if day and day < today and "date" not in self._errors and not self.keeps_day(day):
                self.add_error("date", _("Dieser Tag ist schon vorbei. Bitte wählen Sie heute oder später."))
            if start and end and start == end and "end" not in self._errors:
                self.add_error("end", _("Das Ende muss nach dem Beginn liegen."))
        elif mode == FLEXIBLE:
            self._require(cleaned, FLEXIBLE_FIELDS)
            first, last = cleaned.get("window_start"), cleaned.get("window_end")
            if first and last and last < first and "window_end" not in self._errors:
                self.add_error("window_end", _("Der letzte Tag liegt vor dem ersten. Bitte prüfen Sie die Daten."))
        return cleaned

    def keeps_day(self, day: date) -> bool:
        """A day already passed that the job had before (an edit of something else)."""
        return False

    def _require(self, cleaned, names):
        for name in names:
            if cleaned.get(name) in (None, "") and name not in self._errors:
                self.add_error(name, REQUIRED["required"])

    # --- to and from the service -----------------------------------------------------------

    def schedule_data(self) -> dict:
        c = self.cleaned_data
        if c["schedule"] == FIXED:
            start = timezone.make_aware(datetime.combine(c["date"], c["start"]))
            # An end before the start is on the next day (22:00 to 01:00).
            end_day = c["date"] + timedelta(days=1) if c["end"] <= c["start"] else c["date"]
            end = timezone.make_aware(datetime.combine(end_day, c["end"]))
            return {"starts_at": start, "ends_at": end, "window_start": None, "window_end": None,
                    "duration_minutes": None}
        return {"starts_at": None, "ends_at": None, "window_start": c["window_start"],
                "window_end": c["window_end"], "duration_minutes": c["duration_minutes"]}

    def service_data(self) -> dict:
        c = self.cleaned_data
        data: dict = {}
        if "category" in self.fields:
            data["category"] = c["category"].slug
        for name in ("title", "description", "helpers_needed", "street", "postcode", "hourly_rate"):
            if name in self.fields:
                data[name] = c[name]
        if "schedule" in self.fields:
            data.update(self.schedule_data())
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        header = gettext("So kann niemand diesen Auftrag übernehmen:")
        leftover: list[str] = []
        for key, messages in exc.message_dict.items():
            if key == "starts_at":
                if messages and messages[0] == header:
                    self._add_problems(header.rstrip(":"), messages[1:])
                    continue
                if self.schedule_errors_as_problems:
                    self._add_problems(gettext("So geht die Änderung nicht"), messages)
                    continue
                name = "start" if self.data.get(self.add_prefix("schedule")) != FLEXIBLE else "window_start"
            else:
                name = SERVICE_FIELD.get(key, "")
            if name in self.fields:
                self.add_error(name, messages)
            else:
                leftover.extend(messages)
        if leftover:
            self.add_error(None, leftover)

    def _add_problems(self, heading: str, reasons: list[str]) -> None:
        self.problems_heading = heading
        self.problems.extend(reasons)
        self.add_error(None, heading)

    # --- for the templates ----------------------------------------------------------------

    def fields_of(self, names) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def error_steps(self) -> list[int]:
        steps = {step_of_field(name) for name in self.errors if name != "__all__"}
        if self.problems:
            steps.add(2)
        return sorted(steps)


class JobEditForm(JobForm):
    """Change a job: time and helpers, place, rate and description. Only what changed goes
    to `job_update`, so that an unchanged time does not re-check the accepted helpers."""

    EDIT_FIELDS = ("title", "description", *STEP_FIELDS[2], *STEP_FIELDS[3])

    def __init__(self, data=None, *, job: Job, **kwargs):
        self.job = job
        kwargs.setdefault("initial", self.initial_from_job(job))
        fields = self.EDIT_FIELDS
        if job.hourly_rate is None:
            # A fixed amount agreed with the coordination stays as it is.
            fields = tuple(name for name in fields if name != "hourly_rate")
        super().__init__(data, exchange=job.exchange, fields=fields, schedule_errors_as_problems=True, **kwargs)
        if job.helpers_accepted:
            self.fields["helpers_needed"].help_text = ngettext(
                "%(n)d Person hat schon eine Zusage.", "%(n)d Personen haben schon eine Zusage.",
                job.helpers_accepted) % {"n": job.helpers_accepted}
        # A date already passed stays valid on an unchanged job; the `min` would block saving.
        for name in ("date", "window_start", "window_end"):
            self.fields[name].widget.attrs.pop("min", None)

    def keeps_day(self, day: date) -> bool:
        return bool(self.job.starts_at) and day == timezone.localtime(self.job.starts_at).date()

    def service_data(self) -> dict:
        job, data = self.job, super().service_data()
        current = {"title": job.title, "description": job.description, "helpers_needed": job.helpers_needed,
                   "street": job.street, "postcode": job.postcode_id, "hourly_rate": job.hourly_rate,
                   "starts_at": job.starts_at, "ends_at": job.ends_at, "window_start": job.window_start,
                   "window_end": job.window_end, "duration_minutes": job.duration_minutes}
        changed = {k: v for k, v in data.items() if current.get(k) != v}
        if changed.keys() & set(SCHEDULE_SERVICE_KEYS):
            # A new time is sent whole, so that the service sees one consistent schedule.
            changed.update({k: data[k] for k in SCHEDULE_SERVICE_KEYS})
        return changed


class RequestAgainForm(JobForm):
    """"Dieselbe Person wieder anfragen": only the new time; the rest is copied from the job."""

    def __init__(self, data=None, *, job: Job, **kwargs):
        kwargs.setdefault("initial", {"schedule": FIXED})
        super().__init__(data, exchange=job.exchange, fields=SCHEDULE_FIELDS, **kwargs)


# --- after the match --------------------------------------------------------------------------

class ServiceErrorsMixin:
    """A form whose fields are named like the service's keys: each of the service's errors goes
    onto its field, the rest above the form."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if leftover := _apply_service_errors(self, exc):
            self.add_error(None, leftover)


class CompleteForm(ServiceErrorsMixin, forms.Form):
    """The provider (or a coordinator) confirms the time worked and the cash paid."""

    minutes_worked = forms.TypedChoiceField(
        label=_("Wie lange wurde geholfen?"), coerce=int, widget=ChoiceSelect,
        choices=worked_choices,
        error_messages={**REQUIRED, "invalid_choice": _("Bitte eine Zeit aus der Liste wählen.")},
    )
    amount_paid = _decimal_field(
        _("Wie viel haben Sie bar bezahlt? (in Euro, freiwillig)"), required=False,
        help_text=_("Nur zur Erinnerung für beide Seiten. Die Börse bekommt kein Geld."),
    )

    def __init__(self, *args, assignment, **kwargs):
        planned = int((assignment.ends_at - assignment.starts_at).total_seconds() // 60)
        rate = assignment.job.hourly_rate
        initial = {"minutes_worked": planned}
        if rate is not None:
            initial["amount_paid"] = (rate * Decimal(planned) / 60).quantize(Decimal("0.01"))
        elif assignment.job.fixed_amount is not None:
            initial["amount_paid"] = assignment.job.fixed_amount
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if str(planned) not in {str(m) for m in WORKED_MINUTES} and 0 < planned:
            self.fields["minutes_worked"].choices = [*self.fields["minutes_worked"].choices,
                                                     (str(planned), duration_text(planned))]


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grund"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte einen Grund angeben."),
                        "max_length": _("Bitte fassen Sie sich kürzer (höchstens 300 Zeichen).")},
    )

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


STAR_TEXT = {5: _("sehr gut"), 4: _("gut"), 3: _("in Ordnung"), 2: _("nicht so gut"), 1: _("schlecht")}


def _star_label(n: int):
    return format_html('<span class="stars" aria-hidden="true">{}</span> {}', "★" * n + "☆" * (5 - n),
                       ngettext("%(n)d Stern – %(text)s", "%(n)d Sterne – %(text)s", n)
                       % {"n": n, "text": STAR_TEXT[n]})


def star_choices():
    return [(n, _star_label(n)) for n in (5, 4, 3, 2, 1)]


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Wie zufrieden sind Sie?"), coerce=int, choices=star_choices,
        widget=forms.RadioSelect(attrs={"class": "radio-cards"}),
        error_messages={"required": _("Bitte wählen Sie 1 bis 5 Sterne."),
                        "invalid_choice": _("Bitte wählen Sie 1 bis 5 Sterne.")},
    )
    comment = forms.CharField(
        label=_("Möchten Sie etwas dazu schreiben? (freiwillig)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Bitte fassen Sie sich kürzer (höchstens 2000 Zeichen).")},
    )

    def __init__(self, *args, informal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if informal:
            self.fields["stars"].label = _("Wie zufrieden bist du?")
            self.fields["comment"].label = _("Möchtest du etwas dazu schreiben? (freiwillig)")


class IncidentForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("Was ist passiert?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Bitte beschreiben Sie kurz, was passiert ist."),
                        "max_length": _("Bitte fassen Sie sich kürzer (höchstens 4000 Zeichen).")},
    )

    def __init__(self, *args, informal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if informal:
            self.fields["text"].error_messages["required"] = _("Bitte beschreib kurz, was passiert ist.")
