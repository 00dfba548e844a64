"""Pages without an account: the home page, the two sign-up entries and the parent's consent
pages, which a parent reaches through the signed link in an e-mail."""

from allauth.account.views import SignupView
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import Role

from ..models import Exchange, ParentalConsent
from ..services import consent as consent_services

CONSENT_TEMPLATE = "marketplace/public/consent_give.html"
REVOKE_TEMPLATE = "marketplace/public/consent_revoke.html"
LINK_ERROR_TEMPLATE = "marketplace/public/consent_link_error.html"


def home(request):
    exchanges = Exchange.objects.select_related("policy").order_by("name")
    return render(request, "marketplace/public/home.html", {"exchanges": exchanges})


class RoleSignupView(SignupView):
    """allauth's sign-up with the role preselected. The role stays a visible field of the form,
    so a person who took the wrong entry can still change it."""

    role = ""

    def get_initial(self):
        initial = super().get_initial()
        initial["role"] = self.role
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signup_role"] = self.role
        return context


signup_teen = RoleSignupView.as_view(role=Role.TEEN.value)
signup_provider = RoleSignupView.as_view(role=Role.PROVIDER.value)


class ConsentForm(forms.Form):
    # Not required at form level: consent_give() owns the rule and its messages. The HTML
    # attribute still tells screen readers that the fields are needed.
    signed_name = forms.CharField(
        label=_("Ihr Vor- und Nachname"), max_length=120, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}),
    )
    participation = forms.BooleanField(
        label=_("Ich erlaube meinem Kind, bei der Taschengeldbörse mitzumachen, nach den oben "
                "genannten Regeln."),
        required=False, widget=forms.CheckboxInput(attrs={"required": True}),
    )
    data_processing = forms.BooleanField(
        label=_("Ich willige ein, dass die Taschengeldbörse die oben genannten Angaben meines "
                "Kindes speichert und für die Vermittlung verwendet."),
        required=False, widget=forms.CheckboxInput(attrs={"required": True}),
    )


def _link_error(request, exc: consent_services.ConsentLinkError):
    # 400: the link as sent cannot be used (changed, expired, replaced, withdrawn).
    return render(request, LINK_ERROR_TEMPLATE, {"reason": exc.message}, status=400)


def _consent_context(consent: ParentalConsent) -> dict:
    teen = consent.teen
    age = teen.age
    return {
        "consent": consent,
        "teen": teen,
        "exchange": teen.exchange,
        "policy": teen.exchange.policy if teen.exchange_id else None,
        "interests": list(teen.interests.order_by("position", "name")),
        "age": age,
        # § 5 Abs. 3 JArbSchG / KindArbSchV: under 15, or still in full-time compulsory schooling,
        # a teen counts as a child: light work only, 8 to 18 h, not before school ends.
        "treated_as_child": age is not None and (age < 15 or (age < 18 and teen.in_compulsory_school)),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def consent_give(request, token):
    try:
        consent = consent_services.consent_from_token(token, purpose="give")
    except consent_services.ConsentLinkError as exc:
        return _link_error(request, exc)
    context = _consent_context(consent)
    if consent.given_at is not None:
        return render(request, "marketplace/public/consent_already_given.html", context)

    form = ConsentForm(request.POST or None, initial={"signed_name": consent.parent_name})
    if request.method == "POST" and form.is_valid():
        try:
            consent = consent_services.consent_give(
                consent=consent,
                signed_name=form.cleaned_data["signed_name"],
                participation=form.cleaned_data["participation"],
                data_processing=form.cleaned_data["data_processing"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            context["consent"] = consent
            return render(request, "marketplace/public/consent_thanks.html", context)
    return render(request, CONSENT_TEMPLATE, {**context, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def consent_revoke(request, token):
    try:
        consent = consent_services.consent_from_token(token, purpose="revoke")
    except consent_services.ConsentLinkError as exc:
        return _link_error(request, exc)
    context = _consent_context(consent)
    if consent.revoked_at is not None:
        return render(request, REVOKE_TEMPLATE, {**context, "state": "already_revoked"})
    if request.method == "POST":
        consent = consent_services.consent_revoke(consent=consent)
        return render(request, REVOKE_TEMPLATE, {**context, "consent": consent, "state": "revoked"})
    return render(request, REVOKE_TEMPLATE, {**context, "state": "confirm"})
