from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role

SIGNUP_ROLES = [
    (Role.TEEN.value, _("Ich möchte helfen (Jugendliche von 14 bis 20)")),
    (Role.PROVIDER.value, _("Ich suche Hilfe (Privatperson)")),
]


class RoleSignupForm(forms.Form):
    """allauth's sign-up base form (ACCOUNT_SIGNUP_FORM_CLASS): used by the web sign-up and by
    the headless API, so both take `role` = teen or provider. Coordinators are never created by
    sign-up (see `manage.py create_coordinator`)."""

    role = forms.ChoiceField(
        label=_("Ich melde mich an als"),
        choices=SIGNUP_ROLES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Bitte wählen Sie, ob Sie helfen möchten oder Hilfe suchen."),
            "invalid_choice": _("Bitte wählen Sie „teen“ (helfen) oder „provider“ (Hilfe suchen)."),
        },
    )

    def signup(self, request, user):
        user.role = self.cleaned_data["role"]
        language = getattr(request, "LANGUAGE_CODE", "de")
        user.language = language if language in ("de", "en") else "de"
        user.save(update_fields=["role", "language"])
