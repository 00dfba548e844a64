"""Forms of the coordinator's job pages: the list's filters, a job entered after a phone call,
review and cancel decisions, "why not" for a named teen and the batch proposal.

As everywhere (see `forms.py`), forms parse input and hand it to a service; the rules and their
German messages come from the service and are put back onto the field they concern.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import REQUIRED, QuarterHourField, date_field, postcode_validator
from .forms_jobs import ReasonForm as JobReasonForm
from .models import Category, Exchange, JobStatus, ProviderProfile, ProviderStatus

# --- The job list's filters ------------------------------------------------------------------

STATUS_QUEUE = ""  # in review first, then open: what needs her now
STATUS_ALL = "all"


def category_choices(exchanges, **filters) -> list[tuple[str, str]]:
    """(slug, name) of the exchanges' kinds of help. Categories are per exchange; a coordinator
    of several sees one entry per kind."""
    seen: dict[str, str] = {}
    for slug, name in (Category.objects.filter(exchange__in=exchanges, **filters)
                       .order_by("position", "name").values_list("slug", "name")):
        seen.setdefault(slug, name)
    return list(seen.items())


class JobFilterForm(forms.Form):
    """GET filters of the job list. Anything malformed falls back to the default view instead of
    an error page: a filter is a convenience, not an input that must be right."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Art der Hilfe"), required=False)
    date_from = date_field(_("Termin ab"))
    date_to = date_field(_("Termin bis"))

    def __init__(self, *args, exchanges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (STATUS_QUEUE, _("In Prüfung und offen")), (STATUS_ALL, _("Alle")), *JobStatus.choices]
        self.fields["category"].choices = [("", _("Alle")), *category_choices(exchanges)]

    def filters(self) -> dict:
        """The valid filters only; an invalid one is dropped (and shown as not applied)."""
        if not self.is_bound:
            return {"status": STATUS_QUEUE}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) for name in self.fields if name not in self.errors}


# --- A job entered after a phone call --------------------------------------------------------

SCHEDULE_FIXED, SCHEDULE_WINDOW = "fixed", "window"
PAY_HOURLY, PAY_FIXED = "hourly", "fixed"


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} Std." if hours else "", f"{rest} Min." if rest else "") if part)


DURATION_CHOICES = [("", "–")] + [(m, _duration_label(m)) for m in range(15, 8 * 60 + 1, 15)]
HELPER_CHOICES = [(1, "1"), (2, "2"), (3, "3")]


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProviderProfile) -> str:
        place = f"{obj.postcode_id or ''} {obj.city or (obj.postcode.place if obj.postcode_id else '')}".strip()
        name = f"{obj.last_name}, {obj.first_name}".strip(", ")
        return f"{name} – {place}" if place else name


def active_providers(exchanges, search: str = ""):
    """Active providers of the coordinator's exchanges, by name; `search` narrows them by name or
    postcode (every word must match)."""
    qs = (ProviderProfile.objects.filter(exchange__in=exchanges, status=ProviderStatus.ACTIVE)
          .select_related("postcode", "exchange").order_by("last_name", "first_name", "id"))
    for word in search.split()[:4]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                       | Q(postcode__code__startswith=word) | Q(city__icontains=word))
    return qs


class CoordinatorJobForm(forms.Form):
    """Everything a coordinator notes on the phone: for whom, what, when, where, for how much."""

    provider = ProviderChoiceField(
        label=_("Auftraggeber/in"), queryset=ProviderProfile.objects.none(),
        empty_label=_("– bitte wählen –"),
        help_text=_("Nur freigeschaltete Personen Ihrer Börsen. Neue Anrufer erfassen Sie zuerst als "
                    "Auftraggeber."),
        error_messages={"required": _("Bitte wählen Sie, für wen der Auftrag ist."),
                        "invalid_choice": _("Diese Person gibt es in Ihren Börsen nicht (oder sie ist "
                                            "nicht freigeschaltet).")},
    )
    category = forms.ChoiceField(
        label=_("Art der Hilfe"),
        error_messages={"required": _("Bitte die Art der Hilfe wählen."),
                        "invalid_choice": _("Bitte eine der angebotenen Arten wählen.")},
    )
    title = forms.CharField(label=_("Kurzbeschreibung"), max_length=120, error_messages=REQUIRED,
                            help_text=_("z. B. „Laub rechen im Vorgarten“"))
    description = forms.CharField(label=_("Was ist zu tun?"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    schedule = forms.ChoiceField(
        label=_("Art des Termins"), widget=forms.RadioSelect, initial=SCHEDULE_FIXED,
        choices=[(SCHEDULE_FIXED, _("Fester Termin")),
                 (SCHEDULE_WINDOW, _("Zeitraum – der genaue Termin wird noch vereinbart"))],
        error_messages={"required": _("Bitte wählen: fester Termin oder Zeitraum.")},
    )
    day = date_field(_("Datum"))
    start_time = QuarterHourField(label=_("Beginn"), required=False)
    end_time = QuarterHourField(label=_("Ende"), required=False)
    window_start = date_field(_("Frühestens am"))
    window_end = date_field(_("Spätestens am"))
    duration_minutes = forms.TypedChoiceField(
        label=_("Dauer etwa"), choices=DURATION_CHOICES, coerce=int, required=False, empty_value=None)
    helpers_needed = forms.TypedChoiceField(
        label=_("Anzahl Helfer"), choices=HELPER_CHOICES, coerce=int, initial=1,
        error_messages={"required": _("Bitte angeben, wie viele Helfer es sein sollen.")})
    pay = forms.ChoiceField(
        label=_("Art der Bezahlung"), widget=forms.RadioSelect, initial=PAY_HOURLY,
        choices=[(PAY_HOURLY, _("Stundensatz")), (PAY_FIXED, _("Festbetrag"))],
        error_messages={"required": _("Bitte wählen: Stundensatz oder Festbetrag.")},
    )
    hourly_rate = forms.DecimalField(
        label=_("Stundensatz (€)"), required=False, max_digits=5, decimal_places=2, min_value=0,
        localize=True, error_messages={"invalid": _("Bitte einen Betrag wie 8,00 angeben.")})
    fixed_amount = forms.DecimalField(
        label=_("Festbetrag (€)"), required=False, max_digits=6, decimal_places=2, min_value=0,
        localize=True, error_messages={"invalid": _("Bitte einen Betrag wie 15,00 angeben.")})
    street = forms.CharField(
        label=_("Straße und Hausnummer des Einsatzes"), max_length=120, required=False,
        help_text=_("Leer lassen, wenn der Einsatz bei der Person zu Hause ist."))
    postcode = forms.CharField(
        label=_("Postleitzahl des Einsatzes"), max_length=5, required=False,
        validators=[postcode_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        help_text=_("Leer lassen, wenn der Einsatz bei der Person zu Hause ist."))
    radius_km = forms.IntegerField(
        label=_("Helfer wohnen höchstens so weit entfernt (km)"), required=False, min_value=1,
        max_value=25, help_text=_("Freiwillig. Ohne Angabe gilt der Umkreis der Jugendlichen."),
        error_messages={"min_value": _("Der Umkreis muss zwischen 1 und 25 km liegen."),
                        "max_value": _("Der Umkreis muss zwischen 1 und 25 km liegen."),
                        "invalid": _("Bitte eine ganze Zahl angeben.")})

    # Where a service's error key is not a field of this form.
    SERVICE_FIELD_OF = {"ends_at": "end_time"}

    def __init__(self, *args, exchanges, providers=None, **kwargs):
        exchanges = list(exchanges)
        initial = kwargs.setdefault("initial", {})
        if len(exchanges) == 1:
            initial.setdefault("hourly_rate", exchanges[0].policy.recommended_hourly_rate)
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers if providers is not None else active_providers(exchanges)
        self.fields["category"].choices = [("", _("– bitte wählen –")), *category_choices(exchanges, active=True)]
        if len(exchanges) == 1:
            policy = exchanges[0].policy
            self.fields["hourly_rate"].help_text = _(
                "Mindestens %(min)s €, empfohlen %(rec)s €.") % {
                "min": _money(policy.min_hourly_rate), "rec": _money(policy.recommended_hourly_rate)}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("schedule") == SCHEDULE_FIXED:
            for name, message in (("day", _("Bitte das Datum angeben.")),
                                  ("start_time", _("Bitte den Beginn angeben.")),
                                  ("end_time", _("Bitte das Ende angeben."))):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        elif cleaned.get("schedule") == SCHEDULE_WINDOW:
            for name, message in (("window_start", _("Bitte angeben, ab wann es geht.")),
                                  ("window_end", _("Bitte angeben, bis wann es erledigt sein soll.")),
                                  ("duration_minutes", _("Bitte angeben, wie lange es etwa dauert."))):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        if cleaned.get("pay") == PAY_HOURLY and cleaned.get("hourly_rate") is None \
                and "hourly_rate" not in self.errors:
            self.add_error("hourly_rate", _("Bitte den Stundensatz angeben."))
        if cleaned.get("pay") == PAY_FIXED and cleaned.get("fixed_amount") is None \
                and "fixed_amount" not in self.errors:
            self.add_error("fixed_amount", _("Bitte den Festbetrag angeben."))
        return cleaned

    def service_data(self) -> dict:
        """The `data` of `job_create`. An empty address means the provider's own (the service
        fills it in)."""
        c = self.cleaned_data
        data = {"category": c["category"], "title": c["title"], "description": c["description"],
                "helpers_needed": c["helpers_needed"], "radius_km": c["radius_km"]}
        if c["schedule"] == SCHEDULE_FIXED:
            zone = timezone.get_current_timezone()
            data["starts_at"] = datetime.combine(c["day"], c["start_time"], tzinfo=zone)
            data["ends_at"] = datetime.combine(c["day"], c["end_time"], tzinfo=zone)
        else:
            data.update(window_start=c["window_start"], window_end=c["window_end"],
                        duration_minutes=c["duration_minutes"])
        if c["pay"] == PAY_HOURLY:
            data["hourly_rate"] = c["hourly_rate"]
        else:
            data["fixed_amount"] = c["fixed_amount"]
        if c["street"].strip():
            data["street"] = c["street"]
        if c["postcode"].strip():
            data["postcode"] = c["postcode"]
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        window = self.cleaned_data.get("schedule") == SCHEDULE_WINDOW
        for key, messages in exc.message_dict.items():
            if key == "starts_at":
                field = "window_start" if window else "start_time"
            else:
                field = self.SERVICE_FIELD_OF.get(key, key)
            self.add_error(field if field in self.fields else None, messages)


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


# --- Decisions on a job ----------------------------------------------------------------------


class ReasonForm(JobReasonForm):
    """Reject or cancel: the reason is required and goes into the record and to the provider.
    The provider's form with the console's words (`label` and `help_text` as there)."""

    reason = forms.CharField(
        label=_("Begründung"), max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Bitte eine Begründung angeben.")},
    )


class WhyNotForm(forms.Form):
    """A named teen of the job's exchange: by name (a few letters of first or last name)."""

    wer = forms.CharField(
        label=_("Name der oder des Jugendlichen"), max_length=120,
        help_text=_("Vor- oder Nachname, auch nur ein Teil davon."),
        error_messages={"required": _("Bitte einen Namen eingeben.")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


# --- The batch proposal ----------------------------------------------------------------------


class ProposalFilterForm(forms.Form):
    exchange = forms.ModelChoiceField(label=_("Börse"), queryset=Exchange.objects.none(), empty_label=None,
                                      required=False)
    date_from = date_field(_("Aufträge ab"))
    date_to = date_field(_("Aufträge bis"))

    def __init__(self, *args, exchanges, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchanges = list(exchanges)
        self.fields["exchange"].queryset = Exchange.objects.filter(pk__in=[e.pk for e in self.exchanges])
        if len(self.exchanges) < 2:
            del self.fields["exchange"]

    def values(self) -> dict:
        """The chosen exchange (her first when none or an invalid one was given) and the dates."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        exchange = cleaned.get("exchange") if "exchange" not in self.errors else None
        if exchange is None and self.exchanges:
            exchange = self.exchanges[0]
        return {"exchange": exchange,
                "date_from": cleaned.get("date_from") if "date_from" not in self.errors else None,
                "date_to": cleaned.get("date_to") if "date_to" not in self.errors else None}


def parse_pairs(values: list[str]) -> list[tuple[int, int]]:
    """"job:teen" checkbox values → (job id, teen id); malformed values are ignored."""
    pairs = []
    for value in values:
        job, sep, teen = value.partition(":")
        if sep and job.isdigit() and teen.isdigit() and len(job) < 12 and len(teen) < 12:
            pairs.append((int(job), int(teen)))
    return list(dict.fromkeys(pairs))
