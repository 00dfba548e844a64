"""Serializers of the marketplace API (jobs, applications, assignments, proposals).

Input serializers only parse: bounds here keep absurd values away from the database (a 400
naming the field instead of an overflow), every rule with a German explanation is in
`marketplace.services`. Output serializers render what the viewer may see (DESIGN section 8):
`JobSerializer` drops the fields that are not for the viewer, so a teen's JSON never holds the
street before a confirmed match, nor anything about the provider.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Primary keys are bigints; a larger number is a client's mistake, not a database error.
MAX_ID = 2**63 - 1
# Dates far from today are typing errors; keeping them out spares the calendar arithmetic
# of the rules engine years it was never meant for.
MIN_YEAR, MAX_YEAR = 2000, 2100


def _sane_year(value):
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(_("Bitte ein Datum zwischen %(min)s und %(max)s angeben.")
                                          % {"min": MIN_YEAR, "max": MAX_YEAR})
    return value


class SaneDateTimeField(serializers.DateTimeField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(_sane_year)


class SaneDateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(_sane_year)


class ErrorSerializer(serializers.Serializer):
    """The contract's error shape: 400 names the fields in `errors`; 403, 404 and 409 carry a
    German `detail` and empty `errors`."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def answers(ok: dict, *error_codes: int) -> dict:
    """`responses=` for extend_schema: the success and the documented errors."""
    return {**ok, **{code: ErrorSerializer for code in error_codes}}


# --- jobs: input -------------------------------------------------------------------------------

class JobWriteSerializer(serializers.Serializer):
    """A job as the provider (or a coordinator for her) writes it. Either a fixed time
    (`starts_at`, `ends_at`) or a window (`window_start`, `window_end`, `duration_minutes`);
    either `hourly_rate` or `fixed_amount`. Street and postcode default to the provider's."""

    provider = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID,
        help_text="Coordinators only (required for them): the id of a provider of their exchange. "
                  "Ignored for providers, who always post for themselves.")
    category = serializers.SlugField(max_length=50, required=False, help_text="Category slug.")
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    street = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                   help_text="Exact address; shown to a teen only after a confirmed match.")
    postcode = serializers.CharField(max_length=5, required=False, allow_blank=True)
    # null is accepted for the schedule fields the job does not use (fixed time or window).
    starts_at = SaneDateTimeField(required=False, allow_null=True, help_text="ISO 8601 with offset.")
    ends_at = SaneDateTimeField(required=False, allow_null=True, help_text="ISO 8601 with offset.")
    window_start = SaneDateField(required=False, allow_null=True)
    window_end = SaneDateField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=24 * 60)
    hourly_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, required=False,
                                           allow_null=True, help_text="Euros, e.g. \"8.00\".")
    fixed_amount = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False,
                                            allow_null=True, help_text="Euros, instead of an hourly rate.")
    helpers_needed = serializers.IntegerField(required=False, min_value=1, max_value=3)
    radius_km = serializers.IntegerField(required=False, min_value=1, max_value=25, allow_null=True)

    def to_service_data(self) -> dict:
        """Only the keys the client sent: a PATCH changes just those."""
        return dict(self.validated_data)


class JobUpdateSerializer(JobWriteSerializer):
    """PATCH: the same fields; the provider of a job cannot be changed."""

    provider = None


class RequestAgainSerializer(JobUpdateSerializer):
    """A new job for the same teen: the new time, and whatever else changes (the rest is
    copied from the finished job)."""


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


# --- jobs: output ------------------------------------------------------------------------------

class ApplicationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


COMMON_JOB_FIELDS = frozenset({
    "id", "category", "category_name", "title", "description", "postcode", "place", "starts_at", "ends_at",
    "window_start", "window_end", "duration_minutes", "hourly_rate", "fixed_amount", "helpers_needed",
    "places_left", "radius_km", "status", "status_display",
})
STAFF_JOB_FIELDS = frozenset({"street", "helpers_accepted", "status_reason", "applications_pending",
                              "created_at", "published_at"})
TEEN_JOB_FIELDS = frozenset({"distance_km", "my_application"})
FEED_JOB_FIELDS = frozenset({"score", "reasons", "time_suggested"})
JOB_FIELDS_FOR = {
    "teen": COMMON_JOB_FIELDS | TEEN_JOB_FIELDS,
    "teen_feed": COMMON_JOB_FIELDS | TEEN_JOB_FIELDS | FEED_JOB_FIELDS,
    # A teen with a confirmed (or finished) assignment on the job: now the address is hers.
    "teen_matched": COMMON_JOB_FIELDS | TEEN_JOB_FIELDS | {"street"},
    "provider": COMMON_JOB_FIELDS | STAFF_JOB_FIELDS,
    "coordinator": COMMON_JOB_FIELDS | STAFF_JOB_FIELDS | {"provider", "provider_name", "exchange"},
}


class JobSerializer(serializers.Serializer):
    """A job as the viewer may see it. Pass `view_as` (a key of `JOB_FIELDS_FOR`) in the
    context; fields not for the viewer are left out, not blanked. Fields marked "teen" or
    "staff" below appear only for those viewers."""

    id = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="category.slug", help_text="Category slug.")
    category_name = serializers.CharField(source="category.name")
    title = serializers.CharField()
    description = serializers.CharField()
    street = serializers.CharField(
        required=False, help_text="Staff, and a teen with a confirmed match on this job only. "
                                  "Never in a teen's feed.")
    postcode = serializers.CharField(source="postcode_id")
    place = serializers.CharField(source="postcode.place")
    starts_at = serializers.DateTimeField(
        allow_null=True, help_text="Fixed start; in a teen's feed also the suggested start of a window job.")
    ends_at = serializers.DateTimeField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)
    hourly_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    fixed_amount = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    helpers_needed = serializers.IntegerField()
    places_left = serializers.IntegerField()
    radius_km = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    # staff
    helpers_accepted = serializers.IntegerField(required=False)
    status_reason = serializers.CharField(required=False)
    applications_pending = serializers.IntegerField(required=False, help_text="Staff: pending applications.")
    created_at = serializers.DateTimeField(required=False)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    provider = serializers.IntegerField(source="provider_id", required=False, help_text="Coordinators only.")
    provider_name = serializers.CharField(source="provider.__str__", required=False, help_text="Coordinators only.")
    exchange = serializers.CharField(source="exchange.slug", required=False, help_text="Coordinators only.")
    # teen
    distance_km = serializers.FloatField(required=False, allow_null=True,
                                         help_text="Teens: distance from her postcode, rounded to 0.5 km.")
    my_application = ApplicationRefSerializer(required=False, allow_null=True,
                                              help_text="Teens: her application to this job, if any.")
    score = serializers.FloatField(required=False, help_text="Teen's feed: 0–100, higher is better.")
    reasons = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="Teen's feed: why this job suits her, in German.")
    time_suggested = serializers.BooleanField(required=False,
                                              help_text="Teen's feed: starts_at/ends_at are a suggestion "
                                                        "inside the job's window, to be agreed.")

    def get_fields(self):
        fields = super().get_fields()
        view_as = self.context.get("view_as")
        if view_as is None:  # schema generation: document every field
            return fields
        allowed = JOB_FIELDS_FOR[view_as]
        return {name: field for name, field in fields.items() if name in allowed}

    def to_representation(self, job):
        data = super().to_representation(job)
        suggested = getattr(job, "suggested_times", None)
        if suggested and "starts_at" in data:
            data["starts_at"] = self.fields["starts_at"].to_representation(suggested[0])
            data["ends_at"] = self.fields["ends_at"].to_representation(suggested[1])
        return data


# --- candidates and verdicts --------------------------------------------------------------------

class CandidateSerializer(serializers.Serializer):
    """A teen who may do the job. Providers see her pseudonymously: first name, age, distance
    band and track record; `id`, `name` and `distance_km` are for coordinators only."""

    id = serializers.IntegerField(required=False, help_text="Coordinators only.")
    name = serializers.CharField(required=False, help_text="Coordinators only.")
    distance_km = serializers.FloatField(required=False, help_text="Coordinators only.")
    first_name = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    distance_band = serializers.CharField()
    jobs_done = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True)
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class CandidateListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = CandidateSerializer(many=True)


class ReasonCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TeenRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    name = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    """Why (not) a named teen: every reason, with a stable code and a German message."""

    teen = TeenRefSerializer()
    eligible = serializers.BooleanField()
    reasons = ReasonCodeSerializer(many=True)
    distance_km = serializers.FloatField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)


# --- applications --------------------------------------------------------------------------------

class ApplyMessageSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class JobSummarySerializer(serializers.Serializer):
    """A job inside a teen's application: the area, never the street."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.CharField(source="category.slug")
    postcode = serializers.CharField(source="postcode_id")
    place = serializers.CharField(source="postcode.place")
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    status = serializers.CharField()


class ApplicationSerializer(serializers.Serializer):
    """The teen's own application."""

    id = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    job_summary = JobSummarySerializer(source="job")


class ApplicantSerializer(serializers.Serializer):
    """An applicant as the provider sees her before a match (pseudonymous); `teen` and `name`
    are for coordinators only."""

    id = serializers.IntegerField(help_text="The application's id (accept/decline it).")
    job = serializers.IntegerField()
    teen = serializers.IntegerField(required=False, help_text="Coordinators only.")
    name = serializers.CharField(required=False, help_text="Coordinators only.")
    first_name = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    distance_band = serializers.CharField()
    jobs_done = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True)
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- assignments ---------------------------------------------------------------------------------

class AssignmentSerializer(serializers.Serializer):
    """A confirmed match. `contact` is the other side's contact data (selectors.
    assignment_contact): for the teen the provider's name, phone, e-mail and the exact street;
    for the provider the teen's name, phone and e-mail; for coordinators both sides (keys
    `provider` and `teen`); empty once the match was cancelled."""

    id = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id")
    job_title = serializers.CharField(source="job.title")
    category = serializers.CharField(source="job.category.slug")
    postcode = serializers.CharField(source="job.postcode_id")
    place = serializers.CharField(source="job.postcode.place")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    status_reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    hourly_rate = serializers.DecimalField(source="job.hourly_rate", max_digits=5, decimal_places=2,
                                           allow_null=True)
    fixed_amount = serializers.DecimalField(source="job.fixed_amount", max_digits=6, decimal_places=2,
                                            allow_null=True)
    minutes_worked = serializers.IntegerField(allow_null=True)
    amount_paid = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    provider_confirmed_at = serializers.DateTimeField(allow_null=True)
    teen_confirmed_at = serializers.DateTimeField(allow_null=True)
    feedback_given = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    def get_feedback_given(self, assignment) -> dict[str, bool]:
        authors = {f.author for f in assignment.feedback.all()}
        return {"provider": "provider" in authors, "teen": "teen" in authors}

    def get_contact(self, assignment) -> dict:
        from ..selectors import assignment_contact

        return assignment_contact(assignment=assignment, viewer=self.context["request"].user)


class CompleteSerializer(serializers.Serializer):
    minutes_worked = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=24 * 60,
                                              help_text="Provider or coordinator; default: the planned time.")
    amount_paid = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True,
                                           min_value=0, help_text="Provider or coordinator: cash paid, euros.")


class FeedbackInputSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    stars = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class IncidentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class AssignTeenSerializer(serializers.Serializer):
    teen = serializers.IntegerField(min_value=1, max_value=MAX_ID)


# --- proposals -----------------------------------------------------------------------------------

class ProposalRequestSerializer(serializers.Serializer):
    exchange = serializers.SlugField(required=False, help_text="Needed when the coordinator has several exchanges.")
    jobs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                 max_length=500, help_text="Only these open jobs (default: all open jobs).")


class ProposalPairSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    job_title = serializers.CharField()
    teen = serializers.IntegerField()
    teen_first_name = serializers.CharField()
    score = serializers.FloatField()
    distance_km = serializers.FloatField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.CharField())


class ProposalSerializer(serializers.Serializer):
    exchange = serializers.CharField()
    places_open = serializers.IntegerField()
    filled = serializers.IntegerField()
    total_score = serializers.FloatField()
    optimal = serializers.BooleanField()
    method = serializers.CharField()
    pairs = ProposalPairSerializer(many=True)


class PairInputSerializer(serializers.Serializer):
    job = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    teen = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ProposalConfirmSerializer(serializers.Serializer):
    pairs = PairInputSerializer(many=True, max_length=200, allow_empty=False)


class ProposalConfirmedSerializer(serializers.Serializer):
    assignments = AssignmentSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())
