"""The form of a broadcast: the message and whom it is for, for one exchange.

The choices are the exchange's own postcodes and categories, so the exchange is fixed before the
form is built (a coordinator of several exchanges picks it first). The rules and their messages
live in `services.broadcasts`; the form puts them back next to the field they concern.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import REQUIRED, _apply_service_errors
from .models import Exchange
from .selectors.broadcasts import AGE_CLASS_CHOICES, broadcast_categories, broadcast_postcodes
from .services.broadcasts import MAX_MESSAGE, MAX_TITLE, MAX_URL, broadcast_clean_url


class BroadcastForm(forms.Form):
    title = forms.CharField(label=_("Betreff"), max_length=MAX_TITLE, error_messages={
        **REQUIRED, "max_length": _("Der Betreff darf höchstens %(limit_value)d Zeichen lang sein.")})
    message = forms.CharField(
        label=_("Nachricht"), max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Die Jugendlichen werden mit „Hallo“ und ihrem Vornamen angesprochen. Höchstens 2000 Zeichen."),
        error_messages={**REQUIRED,
                        "max_length": _("Die Nachricht darf höchstens %(limit_value)d Zeichen lang sein.")})
    url = forms.CharField(
        label=_("Link (optional)"), max_length=MAX_URL, required=False,
        help_text=_("Nur Seiten dieser Website, z. B. „/jugendliche/auftraege/“."),
        error_messages={"max_length": _("Der Link darf höchstens %(limit_value)d Zeichen lang sein.")})
    age_classes = forms.MultipleChoiceField(
        label=_("Altersgruppen"), required=False, widget=forms.CheckboxSelectMultiple, choices=AGE_CLASS_CHOICES,
        help_text=_("Alter von heute. Nichts gewählt: alle Altersgruppen."),
        error_messages={"invalid_choice": _("Bitte nur die angebotenen Altersgruppen wählen.")})
    postcodes = forms.MultipleChoiceField(
        label=_("Postleitzahlen"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Wohnort der Jugendlichen. Nichts gewählt: das ganze Gebiet."),
        error_messages={"invalid_choice": _("Bitte nur Postleitzahlen des Gebiets der Börse wählen.")})
    interests = forms.MultipleChoiceField(
        label=_("Interessen"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Wer mindestens eine dieser Arten der Hilfe gewählt hat. Nichts gewählt: alle."),
        error_messages={"invalid_choice": _("Bitte nur Arten der Hilfe dieser Börse wählen.")})

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange
        self.fields["postcodes"].choices = [(p.code, f"{p.code} {p.place}") for p in broadcast_postcodes(exchange)]
        self.fields["interests"].choices = list(broadcast_categories(exchange).values_list("slug", "name"))

    def clean_url(self) -> str:
        # The service's rule, already here: one round of corrections shows every error.
        try:
            return broadcast_clean_url(self.cleaned_data.get("url", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"exchange": self.exchange, "title": data["title"], "message": data["message"],
                "url": data.get("url") or "",
                "filters": {key: data.get(key) or [] for key in ("age_classes", "postcodes", "interests")}}

    def add_service_errors(self, exc) -> None:
        leftover = _apply_service_errors(self, exc)
        if leftover:
            self.add_error(None, leftover)
