"""Forms of the console's people pages: the search, blocking a pair, cancelling or reassigning a
match, and what happens to upcoming matches when a person is paused or suspended.

As everywhere (see `forms.py`), forms parse input; the rules and their German messages come from
the services and are put back onto the field they concern.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import _apply_service_errors
from .selectors.people import SEARCH_MIN_LENGTH


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Suche"), min_length=SEARCH_MIN_LENGTH, max_length=100,
        help_text=_("Name, E-Mail, Telefon oder Postleitzahl; bei Aufträgen Titel, Nummer oder Postleitzahl."),
        error_messages={
            "required": _("Bitte einen Suchbegriff eingeben."),
            "min_length": _("Bitte mindestens %(limit_value)d Zeichen eingeben."),
            "max_length": _("Bitte höchstens %(limit_value)d Zeichen eingeben."),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def _reason_field(label, help_text=""):
    return forms.CharField(label=label, max_length=300, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Bitte eine Begründung angeben."),
                                           "max_length": _("Bitte höchstens %(limit_value)d Zeichen.")})


def _person_choices(known: list, others: list, known_label, label_of) -> list:
    choices: list = [("", _("– bitte wählen –"))]
    if known:
        choices.append((known_label, [(str(p.pk), label_of(p)) for p in known]))
    if others:
        choices.append((_("Alle anderen der Börse"), [(str(p.pk), label_of(p)) for p in others]))
    return choices


def _provider_label(p) -> str:
    place = f"{p.postcode_id or ''} {p.city}".strip()
    name = f"{p.last_name}, {p.first_name}".strip(", ")
    return f"{name} – {place}" if place else name


def _teen_label(t) -> str:
    name = f"{t.last_name}, {t.first_name}".strip(", ")
    return f"{name} ({t.postcode_id})" if t.postcode_id else name


class _BlockForm(ServiceErrorsMixin, forms.Form):
    """Blocking a pair from one person's page: the subclass declares the field of the other person
    (`person_field`), whose choices are those who met already (`known_label`) and all others,
    each shown by `label_of`."""

    person_field: str
    known_label = ""
    reason = _reason_field(_("Begründung der Sperre"),
                           _("Steht im Protokoll. Offene Bewerbungen bei dieser Person werden geschlossen."))

    def __init__(self, *args, known: list, others: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([self.person_field])  # the person before the reason, as the subclass reads
        self.fields[self.person_field].choices = _person_choices(known, others, self.known_label, self.label_of)


def _person_field(label):
    return forms.TypedChoiceField(label=label, coerce=int,
                                  error_messages={"required": _("Bitte eine Person wählen."),
                                                  "invalid_choice": _("Bitte eine Person aus der Liste wählen.")})


class BlockProviderForm(_BlockForm):
    """On a teen's page: which provider she must not be matched with again."""

    provider = _person_field(_("Auftraggeber/in"))
    person_field = "provider"
    known_label = _("Schon für sie oder ihn gearbeitet")
    label_of = staticmethod(_provider_label)


class BlockTeenForm(_BlockForm):
    """On a provider's page: which teen must not be matched with her again."""

    teen = _person_field(_("Jugendliche/r"))
    person_field = "teen"
    known_label = _("Schon hier gearbeitet oder beworben")
    label_of = staticmethod(_teen_label)


class AssignmentCancelForm(ServiceErrorsMixin, forms.Form):
    reason = _reason_field(_("Grund der Absage"),
                           _("Beide Seiten werden benachrichtigt, bei Minderjährigen auch die Eltern."))


class ReassignForm(ServiceErrorsMixin, forms.Form):
    """The select offers the engine's candidates; what is posted is only a number, and the
    service's engine check decides (its reasons appear next to the field)."""

    teen = forms.IntegerField(label=_("Neu vermitteln an"), min_value=1, max_value=10**11, widget=forms.Select,
                              error_messages={"required": _("Bitte eine Person wählen."),
                                              "invalid": _("Bitte eine Person aus der Liste wählen."),
                                              "min_value": _("Bitte eine Person aus der Liste wählen."),
                                              "max_value": _("Bitte eine Person aus der Liste wählen.")})
    reason = _reason_field(_("Grund"), _("Die bisherige Person erfährt, dass der Einsatz abgesagt ist."))

    def __init__(self, *args, candidates: list = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_candidates(candidates)

    def set_candidates(self, candidates: list) -> None:
        self.fields["teen"].widget.choices = [("", _("– bitte wählen –"))] + [
            (str(c["teen"].pk), f"{c['teen'].first_name} {c['teen'].last_name} ({c['age']})") for c in candidates]


UPCOMING_CANCEL, UPCOMING_KEEP = "cancel", "keep"


class UpcomingForm(forms.Form):
    """Pausing or suspending a person who has confirmed matches ahead: cancel them or keep them."""

    upcoming = forms.ChoiceField(
        label=_("Was geschieht mit den vereinbarten Einsätzen?"), widget=forms.RadioSelect,
        choices=[(UPCOMING_CANCEL, _("Absagen – beide Seiten werden benachrichtigt")),
                 (UPCOMING_KEEP, _("Bestehen lassen"))],
        error_messages={"required": _("Bitte wählen, ob die Einsätze abgesagt werden."),
                        "invalid_choice": _("Bitte eine der angebotenen Möglichkeiten wählen.")},
    )
    cancel_reason = forms.CharField(
        label=_("Grund der Absage (für beide Seiten)"), required=False, max_length=300,
        initial=_("Die Koordination musste den Einsatz leider absagen."),
        help_text=_("Diesen Text lesen beide Seiten; die Begründung der Sperre bleibt intern."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("upcoming") == UPCOMING_CANCEL and not (cleaned.get("cancel_reason") or "").strip():
            self.add_error("cancel_reason", _("Bitte einen Grund für die Absage angeben."))
        return cleaned
