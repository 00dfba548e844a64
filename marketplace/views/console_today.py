"""The coordinator's "Today" page: what waits for her, oldest first."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ..models import Job, JobStatus, ProviderStatus, TeenStatus
from ..selectors import exchanges_for_coordinator, provider_vetting_queue, teens_for_coordinator
from .coordinator import QUEUE_PREVIEW, coordinator_required


@coordinator_required
def home(request):
    user = request.user
    # The lists need neither availability nor consents: drop the selector's prefetches.
    teens = teens_for_coordinator(user=user).prefetch_related(None)
    teens_url = reverse("coordinator_teens")
    queues = [
        {
            "title": _("Jugendliche: warten auf die Einwilligung der Eltern"),
            "items": teens.filter(status=TeenStatus.CONSENT_PENDING),
            "url": f"{teens_url}?status={TeenStatus.CONSENT_PENDING}",
            "kind": "teen",
        },
        {
            "title": _("Jugendliche: warten auf Kennenlerngespräch und Freigabe"),
            "items": teens.filter(status=TeenStatus.INTAKE_PENDING),
            "url": f"{teens_url}?status={TeenStatus.INTAKE_PENDING}",
            "kind": "teen",
        },
        {
            "title": _("Auftraggeber: warten auf Prüfung"),
            "items": provider_vetting_queue(user=user),
            "url": f"{reverse('coordinator_providers')}?status={ProviderStatus.PENDING}",
            "kind": "provider",
        },
    ]
    for queue in queues:
        queue["count"] = queue["items"].count()
        queue["preview"] = list(queue["items"][:QUEUE_PREVIEW])
    job_counts = Job.objects.filter(exchange__in=exchanges_for_coordinator(user=user)).aggregate(
        review=Count("id", filter=Q(status=JobStatus.REVIEW)), open=Count("id", filter=Q(status=JobStatus.OPEN)))
    return render(request, "marketplace/coordinator/home.html", {
        "exchanges": exchanges_for_coordinator(user=user),
        "queues": queues,
        "job_counts": job_counts,
    })



urlpatterns = [
    path("koordination/", home, name="coordinator_home"),
]
