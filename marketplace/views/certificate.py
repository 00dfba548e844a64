"""The certificate for job applications ("Nachweis für Bewerbungen"), from the teen's page in
the console and for the teen herself.

A coordinator reaches only the teens of her exchanges (404 otherwise). A teen has no id in her
URL: she gets her own certificate and nobody else's, also when she is paused or aged out, because
her history stays hers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..forms_certificate import CertificatePeriodForm
from ..models import TeenProfile, TeenStatus
from ..selectors import teens_for_coordinator
from ..selectors.certificate import certificate_overview
from ..services.certificate import (
    MAX_YEARS,
    certificate_filename,
    certificate_pdf,
    content_disposition,
    teen_full_name,
)
from .coordinator import coordinator_required
from .teen import teen_required


def _certificate_page(request, *, teen: TeenProfile, template: str, context: dict):
    form = CertificatePeriodForm(request.POST if request.method == "POST" else None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            pdf = certificate_pdf(teen=teen, start=start, end=end, issued_by=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = content_disposition(
                certificate_filename(teen=teen, start=start, end=end))
            return response
    return render(request, template, {
        **context, "teen": teen, "form": form, "overview": certificate_overview(teen=teen),
        "name": teen_full_name(teen), "max_years": MAX_YEARS,
    })


@never_cache
@require_http_methods(["GET", "POST"])
@coordinator_required
def coordinator_teen_certificate(request, pk: int):
    teen = get_object_or_404(teens_for_coordinator(user=request.user).prefetch_related(None), pk=pk)
    return _certificate_page(request, teen=teen, template="marketplace/coordinator/certificate_form.html",
                             context={})


@never_cache
@require_http_methods(["GET", "POST"])
@teen_required
def teen_certificate(request):
    # Never created here: a teen without a profile has nothing to certify.
    teen = TeenProfile.objects.select_related("exchange").filter(user=request.user).first()
    if teen is None or teen.status == TeenStatus.DELETED:
        raise Http404
    return _certificate_page(request, teen=teen, template="marketplace/teen/certificate_form.html", context={})


urlpatterns: list = [
    path("koordination/jugendliche/<int:pk>/nachweis/", coordinator_teen_certificate,
         name="coordinator_teen_certificate"),
    path("jugendliche/nachweis/", teen_certificate, name="teen_certificate"),
]
