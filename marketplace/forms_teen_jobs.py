"""Forms of the teen's job pages: applying with an optional message.

The rules (may she apply, is the job still open) live in `services.jobs.application_create`;
this form only parses the message.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Application

MESSAGE_MAX_LENGTH = Application._meta.get_field("message").max_length


class ApplyForm(forms.Form):
    message = forms.CharField(
        label=_("Deine Nachricht (freiwillig)"),
        help_text=_("Zum Beispiel, warum du gern hilfst. Schreib keine Telefonnummer und keine "
                    "Adresse hinein: Die bekommt ihr beide erst nach der Zusage."),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"max_length": _("Höchstens %(limit_value)d Zeichen, bitte kürzer.")},
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
    )

    def service_data(self) -> dict:
        return {"message": self.cleaned_data["message"]}
