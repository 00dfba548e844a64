"""The console for app clients (issue 6): the statistics of the annual report, and a teen's own
certificate ("Nachweis für Bewerbungen") as PDF.

Both reuse what the web pages use, so that page and API cannot disagree: the period rules and
their German messages of `StatsPeriodForm` and `CertificatePeriodForm`, the selector
`stats_per_exchange` through `KEY_FIGURES`, and the service `certificate_pdf`, which also puts
the issue on record. Scope as on the pages: a coordinator counts her exchanges only (another
exchange's id is a 404, she must not learn it exists); the operator any exchange.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role

from ..forms_certificate import CertificatePeriodForm
from ..forms_stats import ALL_EXCHANGES, StatsPeriodForm
from ..models import Exchange, TeenProfile, TeenStatus
from ..selectors import exchanges_for_coordinator
from ..selectors.stats import AGE_LABELS, KEY_FIGURES, Stats, stats_per_exchange
from ..services.certificate import certificate_filename, certificate_pdf, content_disposition, default_period
from .console_serializers import StatsSerializer
from .job_serializers import answers
from .views import IsTeen

# The form's field names, as the API calls them.
_API_FIELD = {"boerse": "exchange", "__all__": "non_field_errors"}


def _form_errors(form) -> dict[str, list[str]]:
    return {_API_FIELD.get(name, name): list(messages) for name, messages in form.errors.items()}


def is_operator(user) -> bool:
    return user.role == Role.OPERATOR or user.is_superuser


class IsCoordinatorOrOperator(permissions.BasePermission):
    message = "Nur für die Koordination und den Betrieb."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.role == Role.COORDINATOR or is_operator(user)))


def stats_payload(stats: Stats, exchange_ids: list[int]) -> dict:
    """The figures as `StatsSerializer` writes them: the key figures from the page's own list."""
    return {
        "start": stats.start, "end": stats.end, "exchanges": exchange_ids,
        **{figure.key: figure.value(stats) for figure in KEY_FIGURES},
        "by_month": stats.month_rows(),
        "by_category": stats.category_rows(),
        "by_municipality": stats.place_rows(),
        "by_age_class": [{"key": row.key, "label": str(AGE_LABELS[row.key]), "assignments_done": row.assignments_done,
                          "hours": row.hours, "teens": row.teens} for row in stats.age_rows()],
    }


STATS_PARAMETERS = [
    OpenApiParameter("exchange", int, required=False,
                     description="One exchange's id. Omitted: all exchanges of the coordinator (the operator: "
                                 "all exchanges). An exchange the coordinator does not coordinate answers 404."),
    OpenApiParameter("start", OpenApiTypes.DATE, required=False,
                     description="YYYY-MM-DD; default 1 January of this year."),
    OpenApiParameter("end", OpenApiTypes.DATE, required=False,
                     description="YYYY-MM-DD, included; default 31 December of this year. "
                                 "Less than three years after start."),
]


class StatsView(APIView):
    """The statistics of the annual report, the figures of the console's page."""

    permission_classes = [permissions.IsAuthenticated, IsCoordinatorOrOperator]

    def _exchange_ids(self, request, chosen: str) -> list[int]:
        if is_operator(request.user):
            if chosen == ALL_EXCHANGES:
                return list(Exchange.objects.order_by("pk").values_list("pk", flat=True))
            if not Exchange.objects.filter(pk=int(chosen)).exists():
                raise Http404
            return [int(chosen)]
        exchanges = list(exchanges_for_coordinator(user=request.user).order_by("pk").values_list("pk", flat=True))
        if chosen == ALL_EXCHANGES:
            return exchanges
        if int(chosen) not in exchanges:
            raise Http404
        return [int(chosen)]

    @extend_schema(parameters=STATS_PARAMETERS, responses=answers({200: StatsSerializer}, 400, 403, 404),
                   description="Coordinator: her exchanges only; operator: any exchange. Jobs count by the day "
                               "they were posted, work (hours, money, active teens) by the day it was done. "
                               "Aggregates only, no person.")
    def get(self, request):
        params = request.query_params
        chosen = params.get("exchange", "").strip()
        if chosen and not (chosen.isdigit() and len(chosen) <= 12):
            raise ValidationError({"exchange": [_("Bitte die Nummer einer Börse angeben.")]})
        # The form decides the period only; which exchanges count is decided here, by role.
        form = StatsPeriodForm({"start": params.get("start", ""), "end": params.get("end", "")}, exchanges=None)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        ids = self._exchange_ids(request, chosen or ALL_EXCHANGES)
        _per, stats = stats_per_exchange(exchange_ids=ids, start=form.cleaned_data["start"],
                                         end=form.cleaned_data["end"])
        return Response(StatsSerializer(stats_payload(stats, ids)).data)


class PDFOrJSON(BaseContentNegotiation):
    """The answer is a PDF or an error in JSON, whatever the client accepts: an app that asks for
    `application/pdf` only gets its errors readable instead of a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class CertificateView(APIView):
    """The teen's own certificate. There is no id to swap: it is always her own."""

    permission_classes = [permissions.IsAuthenticated, IsTeen]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = PDFOrJSON

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=False,
                             description="YYYY-MM-DD; default a year before today."),
            OpenApiParameter("end", OpenApiTypes.DATE, required=False,
                             description="YYYY-MM-DD, included; default today. A date after today counts as "
                                         "today; at most five years after start."),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                   **{(code, "application/json"): serializer
                      for code, serializer in answers({}, 400, 403, 404).items()}},
        description="Her done jobs of the period as a PDF for job applications, issued by her exchange. "
                    "400 when the period has no done job. Every issue is on record.")
    def get(self, request):
        teen = TeenProfile.objects.select_related("exchange").filter(user=request.user).first()
        if teen is None or teen.status == TeenStatus.DELETED:
            raise Http404
        today = timezone.localdate()
        default_start, default_end = default_period(today=today)
        data = {"start": default_start.isoformat(), "end": default_end.isoformat()}
        data.update({k: v for k in ("start", "end") if (v := request.query_params.get(k, "").strip())})
        form = CertificatePeriodForm(data, today=today)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            pdf = certificate_pdf(teen=teen, start=start, end=end, issued_by=request.user)
        except DjangoValidationError as exc:
            # Nothing to certify: the app shows the German sentence as it is.
            message = exc.messages[0]
            return Response({"detail": message, "errors": {"non_field_errors": exc.messages}}, status=400)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(certificate_filename(teen=teen, start=start, end=end))
        # A minor's data must not stay in caches.
        add_never_cache_headers(response)
        return response
