"""Marketplace API v1 (DESIGN section 10): jobs, applications, assignments, proposals.

Who may know that an object exists is decided once, in `get_queryset`, per role and exchange:

- a provider: her own jobs, the applications to them, their assignments;
- a coordinator: everything of the exchanges she coordinates;
- a teen: her own applications and assignments; of jobs, those she applied to or was matched
  with, and the open jobs of her exchange (not one reserved for another teen). A teen reads
  such a job by its area only (postcode and place); the street is in the JSON only once she
  has a confirmed (or finished) assignment on it (DESIGN section 8).

Anything outside the queryset answers 404, so an outsider cannot even probe ids. An action a
role may not take on an object it can see answers 403; the object's state (full, wrong
status) answers 409 from the services, which hold every rule.
"""

import json
import re
from datetime import date, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.services import audit_log
from matching.geo import haversine_km, round_half_km

from ..feed_cache import cached_feed
from ..matching_adapter import aware
from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Job,
    JobStatus,
    TeenProfile,
)
from ..selectors import (
    applicants_for_job,
    candidates_for_job,
    distance_band,
    exchanges_for_coordinator,
    feed_for_teen,
    proposal_for,
    providers_for_coordinator,
    teen_track_records,
    why_not_for,
)
from ..services import assignments as assignment_services
from ..services import jobs as job_services
from ..services.providers import provider_profile_for
from ..services.teens import teen_profile_for
from . import job_serializers as s

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
POSTCODE = re.compile(r"[0-9]{5}")
# ASCII digits only (str.isdigit() also says yes to "²", which int() refuses), within a bigint.
NUMBER = re.compile(r"[0-9]{1,18}")
STAFF = (Role.PROVIDER, Role.COORDINATOR)
# What a teen keeps seeing of a job once she has been matched with it: the address too.
MATCHED = (AssignmentStatus.CONFIRMED, AssignmentStatus.DONE)
CANDIDATES_DEFAULT, CANDIDATES_MAX = 50, 200


class CoordinatorOnly(permissions.BasePermission):
    message = gettext_lazy("Das ist der Koordination vorbehalten.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.COORDINATOR)


def _forbid_unless(user, *roles, message: str) -> None:
    """403: the caller may see the object (or the list), but her role may not do this."""
    if user.role not in roles:
        raise PermissionDenied(message)


def _teen_of(request) -> TeenProfile:
    teen = getattr(request, "_teen_profile", None)
    if teen is None:
        teen = request._teen_profile = teen_profile_for(request.user)
    return teen


def _query_errors(**errors) -> None:
    errors = {field: [message] for field, message in errors.items() if message}
    if errors:
        raise ValidationError(errors)


def _choice(value: str | None, choices, field: str) -> str | None:
    if value and value not in choices:
        raise ValidationError({field: [_("Unbekannter Wert. Erlaubt: %(values)s") % {"values": ", ".join(choices)}]})
    return value or None


def _exchange_for(user, slug: str | None, field: str = "exchange"):
    exchanges = list(exchanges_for_coordinator(user=user))
    if slug:
        exchange = next((e for e in exchanges if e.slug == slug), None)
        if exchange is None:
            raise ValidationError({field: [_("Diese Börse koordinieren Sie nicht.")]})
        return exchange
    if len(exchanges) == 1:
        return exchanges[0]
    raise ValidationError({field: [_("Bitte die Börse angeben.")]})


# --- jobs --------------------------------------------------------------------------------------

def _job_base():
    return Job.objects.select_related("category", "postcode", "provider", "exchange")


def jobs_visible_to_teen(teen: TeenProfile):
    """The jobs a teen may know exist (see the module's docstring), annotated with what her
    view of them needs: her application and whether she is matched (then the street is hers)."""
    reserved_until = timezone.now() - timedelta(hours=job_services.PREFERRED_TEEN_HOURS)
    application = Application.objects.filter(job=OuterRef("pk"), teen=teen)
    assignments = Assignment.objects.filter(job=OuterRef("pk"), teen=teen)
    open_here = (Q(exchange_id=teen.exchange_id, status=JobStatus.OPEN)
                 & (Q(preferred_teen__isnull=True) | Q(preferred_teen=teen) | Q(published_at__lt=reserved_until)))
    return (_job_base()
            .annotate(applied=Exists(application), assigned=Exists(assignments),
                      matched=Exists(assignments.filter(status__in=MATCHED)),
                      my_application_id=Subquery(application.values("id")[:1]),
                      my_application_status=Subquery(application.values("status")[:1]))
            .filter(open_here | Q(applied=True) | Q(assigned=True)))


def _view_as(user, job=None) -> str:
    if user.role == Role.TEEN:
        return "teen_matched" if getattr(job, "matched", False) else "teen"
    return "provider" if user.role == Role.PROVIDER else "coordinator"


def jobs_for(request):
    """Every job the caller may know exists (404 for the rest)."""
    user = request.user
    if user.role == Role.TEEN:
        return jobs_visible_to_teen(_teen_of(request))
    qs = _job_base()
    if user.role == Role.PROVIDER:
        qs = qs.filter(provider__user=user)
    elif user.role == Role.COORDINATOR:
        qs = qs.filter(exchange__in=exchanges_for_coordinator(user=user))
    else:
        return qs.none()
    return qs.annotate(applications_pending=Count(
        "applications", filter=Q(applications__status=ApplicationStatus.PENDING)))


def _render_job(request, job, *, status_code=200) -> Response:
    """One job as the caller may see it; `job` comes from `jobs_for` (its annotations)."""
    user = request.user
    if user.role == Role.TEEN:
        teen = _teen_of(request)
        job.my_application = ({"id": job.my_application_id, "status": job.my_application_status}
                              if job.my_application_id else None)
        postcode = teen.postcode if teen.postcode_id else None
        job.distance_km = (round_half_km(haversine_km(postcode.latitude, postcode.longitude,
                                                      job.latitude, job.longitude)) if postcode else None)
    context = {"request": request, "view_as": _view_as(user, job)}
    return Response(s.JobSerializer(job, context=context).data, status=status_code)


JOB_FILTERS = [
    OpenApiParameter("status", str, enum=list(JobStatus.values), description="Provider and coordinator."),
    OpenApiParameter("category", str, description="Category slug (provider and coordinator)."),
    OpenApiParameter("postcode", str, description="Five digits (provider and coordinator)."),
    OpenApiParameter("date", str, description="YYYY-MM-DD: jobs on that day, fixed or with a window "
                                              "covering it (provider and coordinator)."),
    OpenApiParameter("exchange", str, description="Exchange slug (coordinator)."),
]

JOB_LIST_DESCRIPTION = """\
**Teen**: her feed — the open jobs of her exchange she may do now, best first, each with
`distance_km`, `score`, `reasons` and, for a window job, a suggested `starts_at`/`ends_at`
(`time_suggested`: true). Never the street. Filters do not apply.

**Provider**: her own jobs. **Coordinator**: the jobs of her exchanges. Both may filter."""

JOB_DETAIL_DESCRIPTION = """\
The provider and the coordinators of the job's exchange read everything. A teen reads an open
job of her exchange, or a job she applied to or was matched with, by its area only; the
`street` appears once she has a confirmed (or finished) assignment on it. Every other caller
gets 404."""


@extend_schema_view(
    list=extend_schema(parameters=JOB_FILTERS, description=JOB_LIST_DESCRIPTION),
    retrieve=extend_schema(description=JOB_DETAIL_DESCRIPTION),
)
class JobViewSet(viewsets.GenericViewSet):
    serializer_class = s.JobSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Job.objects.none()
        return jobs_for(self.request)

    def _render(self, job, *, status_code=200) -> Response:
        return _render_job(self.request, job, status_code=status_code)

    def _reloaded(self, job) -> Job:
        return self.get_queryset().get(pk=job.pk)

    # list, create, read, change

    def list(self, request, *args, **kwargs):
        if request.user.role == Role.TEEN:
            return self._feed(request)
        qs = self._filtered(self.get_queryset())
        page = self.paginate_queryset(qs)
        context = {**self.get_serializer_context(), "view_as": _view_as(request.user)}
        return self.get_paginated_response(s.JobSerializer(page, many=True, context=context).data)

    def _feed(self, request):
        """The teen's feed. A fixed number of queries whatever the number of jobs: the
        selector's, plus one for her applications. The serialized feed is cached until her
        exchange or her profile changes (marketplace.feed_cache), so most reads cost a cache
        lookup; pages are cut from the cached list."""
        teen = _teen_of(request)

        def build():
            pairs = feed_for_teen(teen=teen)
            applied = {job_id: {"id": pk, "status": state} for job_id, pk, state in
                       Application.objects.filter(teen=teen, job_id__in=[job.pk for job, _r in pairs])
                       .values_list("job_id", "id", "status")}
            jobs = []
            for job, ranked in pairs:
                job.distance_km, job.score, job.reasons = ranked.distance_km, ranked.score, list(ranked.reasons)
                job.time_suggested = job.starts_at is None
                if job.time_suggested:
                    job.suggested_times = (aware(ranked.starts_at), aware(ranked.ends_at))
                job.my_application = applied.get(job.pk)
                jobs.append(job)
            context = {**self.get_serializer_context(), "view_as": "teen_feed"}
            # Plain lists and dicts, so that the cache can hold them.
            return json.loads(json.dumps(s.JobSerializer(jobs, many=True, context=context).data,
                                         cls=DjangoJSONEncoder))

        page = self.paginate_queryset(cached_feed(teen, build))
        return self.get_paginated_response(page)

    def _filtered(self, qs):
        params = self.request.query_params
        state = _choice(params.get("status"), JobStatus.values, "status")
        category, postcode = params.get("category"), params.get("postcode")
        day, exchange = params.get("date"), params.get("exchange")
        parsed_day = None
        if day:
            try:
                parsed_day = date.fromisoformat(day)
            except ValueError:
                parsed_day = None
        _query_errors(
            category=category and not SLUG.fullmatch(category) and _("Bitte das Kürzel einer Kategorie angeben."),
            postcode=postcode and not POSTCODE.fullmatch(postcode) and _("Bitte fünf Ziffern angeben."),
            date=day and parsed_day is None and _("Bitte ein Datum als JJJJ-MM-TT angeben."),
            exchange=exchange and not SLUG.fullmatch(exchange) and _("Bitte das Kürzel einer Börse angeben."),
        )
        if state:
            qs = qs.filter(status=state)
        if category:
            qs = qs.filter(category__slug=category)
        if postcode:
            qs = qs.filter(postcode_id=postcode)
        if exchange:
            qs = qs.filter(exchange__slug=exchange)
        if parsed_day:
            qs = qs.filter(Q(starts_at__date=parsed_day)
                           | Q(starts_at__isnull=True, window_start__lte=parsed_day, window_end__gte=parsed_day))
        return qs

    @extend_schema(request=s.JobWriteSerializer, responses=s.answers({201: s.JobSerializer}, 400, 403, 409),
                   description="A provider posts a job for herself; a coordinator for a provider of her "
                               "exchange (`provider`). It goes to review where the policy wants approval "
                               "(not when a coordinator posts it), else it is open at once. A job no teen "
                               "of the exchange could legally do is refused with the reasons (400).")
    def create(self, request, *args, **kwargs):
        user = request.user
        _forbid_unless(user, *STAFF, message=_("Aufträge stellen Auftraggeber oder die Koordination ein."))
        serializer = s.JobWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.to_service_data()
        provider_id = data.pop("provider", None)
        if user.role == Role.COORDINATOR:
            if provider_id is None:
                raise ValidationError({"provider": [_("Bitte angeben, für wen der Auftrag ist.")]})
            provider = providers_for_coordinator(user=user).filter(pk=provider_id).first()
            if provider is None:
                raise ValidationError({"provider": [_("Diese Person gibt es in Ihren Börsen nicht.")]})
        else:
            provider = provider_profile_for(user)
        job = job_services.job_create(provider=provider, by=user, data=data)
        return self._render(self._reloaded(job), status_code=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object())

    @extend_schema(request=s.JobUpdateSerializer, responses=s.answers({200: s.JobSerializer}, 400, 403, 404, 409),
                   description="Change a job (provider, coordinator). A new time or place re-checks every "
                               "rule for every accepted helper and is refused (400) if one of them could "
                               "no longer do it.")
    def partial_update(self, request, *args, **kwargs):
        job = self.get_object()
        _forbid_unless(request.user, *STAFF,
                       message=_("Ändern können nur die Auftraggeberin und die Koordination."))
        serializer = s.JobUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = job_services.job_update(job=job, by=request.user, data=serializer.to_service_data())
        return self._render(self._reloaded(job))

    # review and cancellation

    @extend_schema(request=None, responses=s.answers({200: s.JobSerializer}, 403, 404, 409),
                   description="Coordinator: publish a job in review.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        job = self.get_object()
        _forbid_unless(request.user, Role.COORDINATOR, message=_("Aufträge prüft die Koordination."))
        job = job_services.job_approve(job=job, by=request.user)
        return self._render(self._reloaded(job))

    @extend_schema(request=s.ReasonSerializer, responses=s.answers({200: s.JobSerializer}, 400, 403, 404, 409),
                   description="Coordinator: reject a job in review, with a reason the provider is told.")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        job = self.get_object()
        _forbid_unless(request.user, Role.COORDINATOR, message=_("Aufträge prüft die Koordination."))
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = job_services.job_reject(job=job, by=request.user, reason=serializer.validated_data["reason"])
        return self._render(self._reloaded(job))

    @extend_schema(request=s.ReasonSerializer, responses=s.answers({200: s.JobSerializer}, 400, 403, 404, 409),
                   description="Provider or coordinator: cancel with a reason. Pending applications are "
                               "closed, confirmed assignments cancelled.")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self.get_object()
        _forbid_unless(request.user, *STAFF, message=_("Absagen können nur die Auftraggeberin und die Koordination."))
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = job_services.job_cancel(job=job, by=request.user, reason=serializer.validated_data["reason"])
        return self._render(self._reloaded(job))

    # candidates and direct assignment

    @extend_schema(
        parameters=[
            OpenApiParameter("teen", int, description="Coordinator: the verdict for this teen instead of the "
                                                      "list (eligible, and every reason why not)."),
            OpenApiParameter("limit", int, description=f"At most this many candidates (default "
                                                       f"{CANDIDATES_DEFAULT}, at most {CANDIDATES_MAX})."),
        ],
        responses=s.answers({200: PolymorphicProxySerializer(
            component_name="CandidatesOrVerdict", resource_type_field_name=None,
            serializers=[s.CandidateListSerializer, s.VerdictSerializer])}, 400, 403, 404),
        description="Teens who may do the job, best first. Providers see them pseudonymously (first name, "
                    "age, distance band, jobs done, rating, score, reasons); coordinators also `id`, `name`, "
                    "`distance_km`. With `?teen=` (coordinators) the verdict for that teen.")
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        job = self.get_object()
        user = request.user
        _forbid_unless(user, *STAFF,
                       message=_("Passende Jugendliche sehen nur die Auftraggeberin und die Koordination."))
        teen_param = request.query_params.get("teen")
        if teen_param is not None:
            _forbid_unless(user, Role.COORDINATOR, message=_("Diese Prüfung ist der Koordination vorbehalten."))
            return self._verdict(job, teen_param)
        limit = request.query_params.get("limit") or str(CANDIDATES_DEFAULT)
        _query_errors(limit=not NUMBER.fullmatch(limit) and _("Bitte eine Zahl angeben."))
        pairs = candidates_for_job(job=job, limit=max(1, min(int(limit), CANDIDATES_MAX)))
        records = teen_track_records([teen.pk for teen, _r in pairs])
        coordinator = user.role == Role.COORDINATOR
        results = []
        for teen, ranked in pairs:
            reasons = list(ranked.reasons)
            entry = {"first_name": teen.first_name, "age": teen.age,
                     "distance_band": distance_band(ranked.distance_km), **records[teen.pk],
                     "score": ranked.score, "starts_at": aware(ranked.starts_at), "ends_at": aware(ranked.ends_at)}
            if coordinator:
                entry.update(id=teen.pk, name=str(teen), distance_km=ranked.distance_km, reasons=reasons)
            else:
                # The first reason is the distance to 0.5 km; a provider gets the coarse band only.
                entry["reasons"] = reasons[1:]
            results.append(entry)
        return Response(s.CandidateListSerializer({"count": len(results), "results": results}).data)

    def _verdict(self, job, teen_param: str) -> Response:
        _query_errors(teen=not NUMBER.fullmatch(teen_param) and _("Bitte eine Zahl angeben."))
        teen = TeenProfile.objects.filter(pk=int(teen_param), exchange_id=job.exchange_id).first()
        if teen is None:
            raise NotFound(_("Nicht gefunden."))
        audit_log(actor=self.request.user, action="marketplace.teen.checked_for_job", target=teen,
                  exchange_id=job.exchange_id, subject_user_id=teen.user_id, data={"job": job.pk})
        verdict = why_not_for(job=job, teen=teen)
        data = {"teen": {"id": teen.pk, "first_name": teen.first_name, "name": str(teen)}}
        if verdict is None:
            data.update(eligible=False, distance_km=None, starts_at=None, ends_at=None, reasons=[
                {"code": "profile_incomplete",
                 "message": _("Das Profil ist unvollständig (Geburtsdatum oder Postleitzahl fehlt).")}])
        else:
            data.update(eligible=verdict.eligible, distance_km=verdict.distance_km,
                        starts_at=aware(verdict.starts_at) if verdict.starts_at else None,
                        ends_at=aware(verdict.ends_at) if verdict.ends_at else None,
                        reasons=[{"code": r.code, "message": r.message} for r in verdict.reasons])
        return Response(s.VerdictSerializer(data).data)

    @extend_schema(request=s.AssignTeenSerializer,
                   responses=s.answers({201: s.AssignmentSerializer}, 400, 403, 404, 409),
                   description="Coordinator: assign a teen of the exchange directly (e.g. from the candidate "
                               "list after talking to both). Every rule is re-checked; 409 when no place is left.")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        job = self.get_object()
        _forbid_unless(request.user, Role.COORDINATOR, message=_("Direkt vermitteln kann nur die Koordination."))
        serializer = s.AssignTeenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        teen = TeenProfile.objects.filter(pk=serializer.validated_data["teen"], exchange_id=job.exchange_id).first()
        if teen is None:
            raise ValidationError({"teen": [_("Diese Person gibt es in der Börse des Auftrags nicht.")]})
        assignment = job_services.assignment_create_direct(job=job, teen=teen, by=request.user)
        return _render_assignment(request, assignment, status_code=status.HTTP_201_CREATED)

    # applications to one job

    @extend_schema(methods=["GET"], request=None,
                   responses=s.answers({200: s.ApplicantSerializer(many=True)}, 403, 404),
                   description="Provider, coordinator: the applicants. Providers see them pseudonymously "
                               "(first name, age, distance band, jobs done, rating); coordinators also "
                               "`teen` and `name`.")
    @extend_schema(methods=["POST"], request=s.ApplyMessageSerializer,
                   responses=s.answers({201: s.ApplicationSerializer}, 400, 403, 404, 409),
                   description="Teen: apply, with an optional message. The rules are checked now: 400 "
                               "with the reasons when she may not do it, 409 when the job is not open or "
                               "she applied before.")
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def applications(self, request, pk=None):
        job = self.get_object()
        user = request.user
        if request.method == "POST":
            _forbid_unless(user, Role.TEEN, message=_("Bewerben können sich nur Jugendliche."))
            serializer = s.ApplyMessageSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            application = job_services.application_create(job=job, teen=_teen_of(request),
                                                          message=serializer.validated_data["message"])
            application = _applications_base().get(pk=application.pk)
            return Response(s.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)
        _forbid_unless(user, *STAFF, message=_("Die Bewerbungen sehen nur die Auftraggeberin und die Koordination."))
        coordinator = user.role == Role.COORDINATOR
        out = []
        for entry in applicants_for_job(job=job):
            application = entry.pop("application")
            entry.pop("teen_id")
            entry.update(job=job.pk, created_at=application.created_at)
            if coordinator:
                entry.update(teen=application.teen_id, name=str(application.teen))
            out.append(entry)
        return Response(s.ApplicantSerializer(out, many=True).data)


# --- applications ------------------------------------------------------------------------------

def _applications_base():
    return Application.objects.select_related("job__category", "job__postcode", "teen")


APPLICATION_STATE = inline_serializer("ApplicationState", {
    "id": serializers.IntegerField(), "job": serializers.IntegerField(), "status": serializers.CharField()})


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=list(ApplicationStatus.values))],
                       description="Teen: her own applications, newest first (with the job's area, never "
                                   "its street). Providers and coordinators read the applicants of a job "
                                   "at /jobs/{id}/applications/ (403 here)."),
)
class ApplicationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ApplicationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        user = self.request.user
        qs = _applications_base()
        if user.role == Role.TEEN:
            return qs.filter(teen__user=user)
        if user.role == Role.PROVIDER:
            return qs.filter(job__provider__user=user)
        if user.role == Role.COORDINATOR:
            return qs.filter(job__exchange__in=exchanges_for_coordinator(user=user))
        return qs.none()

    def list(self, request, *args, **kwargs):
        _forbid_unless(request.user, Role.TEEN, message=_("Diese Liste ist für Jugendliche."))
        qs = self.get_queryset().order_by("-created_at", "-id")
        if state := _choice(request.query_params.get("status"), ApplicationStatus.values, "status"):
            qs = qs.filter(status=state)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ApplicationSerializer(page, many=True).data)

    @extend_schema(request=None, responses=s.answers({201: s.AssignmentSerializer}, 400, 403, 404, 409),
                   description="Provider, coordinator: accept. Every rule is re-checked at this moment; "
                               "the answer is the new assignment with the teen's contact data. 409 when "
                               "no place is left or the application is no longer pending.")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        application = self.get_object()
        _forbid_unless(request.user, *STAFF,
                       message=_("Annehmen können nur die Auftraggeberin und die Koordination."))
        assignment = job_services.application_accept(application=application, by=request.user)
        return _render_assignment(request, assignment, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.answers({200: APPLICATION_STATE}, 403, 404, 409),
                   description="Provider, coordinator: decline.")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        application = self.get_object()
        _forbid_unless(request.user, *STAFF,
                       message=_("Ablehnen können nur die Auftraggeberin und die Koordination."))
        application = job_services.application_decline(application=application, by=request.user)
        return Response({"id": application.pk, "job": application.job_id, "status": application.status})

    @extend_schema(request=None, responses=s.answers({200: s.ApplicationSerializer}, 403, 404, 409),
                   description="Teen: withdraw her application.")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        _forbid_unless(request.user, Role.TEEN, message=_("Zurückziehen kann nur, wer sich beworben hat."))
        application = job_services.application_withdraw(application=application, teen=_teen_of(request))
        return Response(s.ApplicationSerializer(_applications_base().get(pk=application.pk)).data)


# --- assignments -------------------------------------------------------------------------------

def _assignments_base():
    return (Assignment.objects.select_related("job__provider__user", "job__postcode", "job__category",
                                              "job__exchange", "teen__user")
            .prefetch_related("feedback"))


def _render_assignment(request, assignment, *, status_code=200) -> Response:
    assignment = _assignments_base().get(pk=assignment.pk)
    return Response(s.AssignmentSerializer(assignment, context={"request": request}).data, status=status_code)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=list(AssignmentStatus.values))],
                       description="Confirmed matches: the teen's own, the provider's, or (coordinator) "
                                   "those of her exchanges; with the other side's `contact`."),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AssignmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        user = self.request.user
        qs = _assignments_base()
        if user.role == Role.TEEN:
            qs = qs.filter(teen__user=user)
        elif user.role == Role.PROVIDER:
            qs = qs.filter(job__provider__user=user)
        elif user.role == Role.COORDINATOR:
            qs = qs.filter(job__exchange__in=exchanges_for_coordinator(user=user))
        else:
            return qs.none()
        if self.action == "list" and (state := _choice(self.request.query_params.get("status"),
                                                       AssignmentStatus.values, "status")):
            qs = qs.filter(status=state)
        return qs

    def _done(self, assignment, status_code=200):
        return _render_assignment(self.request, assignment, status_code=status_code)

    @extend_schema(request=s.CompleteSerializer, responses=s.answers({200: s.AssignmentSerializer}, 400, 404, 409),
                   description="After the job. Provider (or coordinator): `minutes_worked` (default: as "
                               "planned) and `amount_paid` in cash; the match is then done. Teen: an "
                               "empty body confirms on her side.")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        assignment = self.get_object()
        serializer = s.CompleteSerializer(data=request.data if request.user.role != Role.TEEN else {})
        serializer.is_valid(raise_exception=True)
        assignment = assignment_services.assignment_complete(assignment=assignment, by=request.user,
                                                             **serializer.validated_data)
        return self._done(assignment)

    @extend_schema(request=None, responses=s.answers({200: s.AssignmentSerializer}, 403, 404, 409),
                   description="Provider or coordinator: the teen did not come.")
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        assignment = self.get_object()
        _forbid_unless(request.user, *STAFF, message=_("Nur die Auftraggeberin oder die Koordination kann das melden."))
        return self._done(assignment_services.assignment_no_show(assignment=assignment, by=request.user))

    @extend_schema(request=s.ReasonSerializer, responses=s.answers({200: s.AssignmentSerializer}, 400, 404, 409),
                   description="Either side or a coordinator: cancel the match with a reason; the place opens again.")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        assignment = self.get_object()
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._done(assignment_services.assignment_cancel(
            assignment=assignment, by=request.user, reason=serializer.validated_data["reason"]))

    @extend_schema(request=s.FeedbackInputSerializer,
                   responses=s.answers({201: s.FeedbackSerializer}, 400, 403, 404, 409),
                   description="The teen or the provider rates the match (1–5 stars), once, after the job.")
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        assignment = self.get_object()
        _forbid_unless(request.user, Role.TEEN, Role.PROVIDER, message=_("Bewerten können nur die beiden Beteiligten."))
        serializer = s.FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = assignment_services.feedback_give(assignment=assignment, by=request.user,
                                                     **serializer.validated_data)
        return Response(s.FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.IncidentInputSerializer, responses=s.answers({201: s.IncidentSerializer}, 400, 404, 409),
                   description="Report a problem with this match to the coordinators.")
    @action(detail=True, methods=["post"])
    def incident(self, request, pk=None):
        assignment = self.get_object()
        serializer = s.IncidentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = assignment_services.incident_report(by=request.user, assignment=assignment,
                                                       text=serializer.validated_data["text"])
        return Response(s.IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RequestAgainSerializer, responses=s.answers({201: s.JobSerializer}, 400, 403, 404, 409),
                   description="Provider (or coordinator) after a finished match: a new job, copied from this "
                               "one with the fields given (at least the new time), offered to the same teen "
                               "first.")
    @action(detail=True, methods=["post"], url_path="request-again")
    def request_again(self, request, pk=None):
        assignment = self.get_object()
        user = request.user
        _forbid_unless(user, *STAFF,
                       message=_("Dieselbe Person wieder anfragen können die Auftraggeberin und die Koordination."))
        serializer = s.RequestAgainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = assignment_services.job_request_again(assignment=assignment, by=user,
                                                    data=serializer.to_service_data())
        return _render_job(request, jobs_for(request).get(pk=job.pk), status_code=status.HTTP_201_CREATED)


# --- proposals ---------------------------------------------------------------------------------

class ProposalView(APIView):
    permission_classes = [permissions.IsAuthenticated, CoordinatorOnly]

    @extend_schema(request=s.ProposalRequestSerializer, responses=s.answers({200: s.ProposalSerializer}, 400, 403),
                   description="Coordinator: the engine's batch proposal for the open jobs of an exchange "
                               "(or the `jobs` given): as many places as possible with the best total score. "
                               "Nothing is stored; confirm pairs at /proposals/confirm/.")
    def post(self, request):
        serializer = s.ProposalRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exchange = _exchange_for(request.user, serializer.validated_data.get("exchange"))
        job_ids = serializer.validated_data.get("jobs")
        if job_ids:
            found = set(Job.objects.filter(pk__in=job_ids, exchange=exchange, status=JobStatus.OPEN)
                        .values_list("pk", flat=True))
            if missing := sorted(set(job_ids) - found):
                raise ValidationError({"jobs": [_("Diese Aufträge sind in der Börse nicht offen: %(ids)s")
                                                % {"ids": ", ".join(map(str, missing))}]})
        proposal, jobs, teens = proposal_for(exchange=exchange, job_ids=job_ids or None)
        pairs = [{"job": r.job_id, "job_title": jobs[r.job_id].title, "teen": r.teen_id,
                  "teen_first_name": teens[r.teen_id].first_name, "score": r.score, "distance_km": r.distance_km,
                  "starts_at": aware(r.starts_at), "ends_at": aware(r.ends_at), "reasons": list(r.reasons)}
                 for r in proposal.pairs]
        data = {"exchange": exchange.slug, "places_open": proposal.places_open, "filled": proposal.filled,
                "total_score": proposal.total_score, "optimal": proposal.optimal, "method": proposal.method,
                "pairs": pairs}
        return Response(s.ProposalSerializer(data).data)


class ProposalConfirmView(APIView):
    permission_classes = [permissions.IsAuthenticated, CoordinatorOnly]

    @extend_schema(request=s.ProposalConfirmSerializer,
                   responses=s.answers({200: s.ProposalConfirmedSerializer}, 400, 403),
                   description="Coordinator: confirm pairs of a proposal. Each pair is re-checked now and "
                               "becomes an assignment; what no longer fits is listed in `problems` (German).")
    def post(self, request):
        serializer = s.ProposalConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pairs = [(p["job"], p["teen"]) for p in serializer.validated_data["pairs"]]
        made, problems = job_services.proposal_confirm(by=request.user, pairs=pairs)
        assignments = list(_assignments_base().filter(pk__in=[a.pk for a in made]).order_by("id"))
        return Response({
            "assignments": s.AssignmentSerializer(assignments, many=True, context={"request": request}).data,
            "problems": problems,
        })
