"""Who hears about what in the marketplace (DESIGN section 7; issue 5, point 3).

One function per event. Each turns the marketplace's models into `Recipient`s (how a person
is reached follows from who she is) and a plain context (strings, numbers, ids and ISO dates,
never a model: the notifications app imports no marketplace model, DESIGN section 9), and
hands both to `notifications.services.notify` inside the caller's transaction: a change and
its notifications are committed together or not at all, and the sends start after commit.

How each side is reached:
- a teen by e-mail and in her inbox; by SMS too when she gave a phone number and switched SMS
  on for that kind (a minor's SMS waits for the end of the quiet hours in `notify`);
- a parent, who has no account, by e-mail, in the teen's language;
- a provider by her contact preference: e-mail or SMS (and her inbox if she has an account);
  "by phone" or "letter" becomes an item on the coordinators' call list with the text to read
  out (and her inbox if she has an account);
- the coordinators of the exchange by e-mail and in their inbox.

Texts are addressed per audience (`teen` is "du", everybody else "Sie"), so one occurrence
that concerns several sides is one event per audience, each with the context that side may
see: a teen who only applied sees a job's area, never its street (DESIGN section 8).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from notifications.models import Channel, Notification, Preference
from notifications.services import Event, Recipient, notify

from .models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    ContactPreference,
    FeedbackAuthor,
    Job,
    JobStatus,
    ParentalConsent,
    ProviderProfile,
    TeenProfile,
    TeenStatus,
)

NEW_FITTING = "job.new_fitting"
DIGEST = "job.digest"
# A new job is offered to at most this many teens per open place, least-notified first: enough
# that somebody answers, few enough that the offers spread over all teens of the exchange.
OFFERS_PER_PLACE = 5
# The feedback request goes out this long after the end of a job, and not for jobs that ended
# longer ago than the window (a new deployment does not ask about last year's jobs).
FEEDBACK_AFTER = timedelta(hours=1)
FEEDBACK_WINDOW = timedelta(days=7)
UNFILLED_WARNING = timedelta(hours=48)
TWO_HOURS = timedelta(hours=2)


# --- plain values -------------------------------------------------------------------------

def _iso(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _money(value) -> str:
    return "" if value is None else str(value)


def _full_name(person) -> str:
    return f"{person.first_name} {person.last_name}".strip()


def _exchange_context(exchange) -> dict:
    return {"exchange_name": exchange.name, "exchange_phone": exchange.contact_phone,
            "exchange_email": exchange.contact_email, "exchange_office_hours": exchange.office_hours}


def _job_context(job: Job, *, exact: bool) -> dict:
    """What a job is, where and when. `exact` adds the street: only for the provider, the
    coordinators and the sides of a confirmed match (and a minor's parent)."""
    context = {
        **_exchange_context(job.exchange),
        "job_id": job.pk, "job_title": job.title, "category": job.category.name,
        "postcode": job.postcode_id, "place": job.postcode.place,
        "starts_at": _iso(job.starts_at), "ends_at": _iso(job.ends_at),
        "window_start": _iso(job.window_start), "window_end": _iso(job.window_end),
        "duration_minutes": job.duration_minutes or 0,
        "hourly_rate": _money(job.hourly_rate), "fixed_amount": _money(job.fixed_amount),
        "helpers_needed": job.helpers_needed,
    }
    if exact:
        context["street"] = job.street
    return context


def _assignment_context(assignment: Assignment) -> dict:
    """A confirmed match, for its two sides, the teen's parent and the coordinators: each may
    know the other side's name and phone and the exact address (DESIGN section 5)."""
    job, teen = assignment.job, assignment.teen
    provider = job.provider
    return {
        **_job_context(job, exact=True),
        "assignment_id": assignment.pk,
        # The times of this match (a window job has its time fixed by the match).
        "starts_at": _iso(assignment.starts_at), "ends_at": _iso(assignment.ends_at),
        "window_start": "", "window_end": "",
        "provider_name": _full_name(provider), "provider_phone": provider.phone,
        "teen_name": teen.first_name, "teen_full_name": _full_name(teen), "teen_phone": teen.phone,
        "teen_age": teen.age_on(timezone.localtime(assignment.starts_at).date()) or "",
    }


# --- recipients ---------------------------------------------------------------------------

def _sms_wanted(user_ids, kind: str) -> set[int]:
    """Teens who switched SMS on for `kind`. SMS costs money and buzzes a phone, so it is never
    the default: only an explicit choice on the preferences page allows it."""
    return set(Preference.objects.filter(user_id__in=list(user_ids), kind=kind, channel=Channel.SMS,
                                         enabled=True).values_list("user_id", flat=True))


def _teen(teen: TeenProfile, *, sms: bool = False) -> Recipient:
    channels = [Channel.EMAIL, Channel.INAPP]
    if sms and teen.phone:
        channels.append(Channel.SMS)
    # Minor today: the quiet hours concern the moment the message arrives.
    return Recipient(user_id=teen.user_id, name=teen.first_name, email=teen.user.email, phone=teen.phone,
                     language=teen.user.language or "de", is_minor=teen.is_minor, channels=tuple(channels))


def teen_recipient(teen: TeenProfile, kind: str) -> Recipient:
    """A teen by e-mail and in her inbox, and by SMS when she chose it for `kind`."""
    return _teen(teen, sms=bool(teen.phone) and teen.user_id in _sms_wanted([teen.user_id], kind))


def parent_recipient(teen: TeenProfile, *, name: str = "", email: str = "") -> Recipient | None:
    """The parent of a minor: no account, only the address she gave; the teen's language."""
    email = email or teen.parent_email
    if not email:
        return None
    return Recipient(name=name or teen.parent_name, email=email, language=teen.user.language or "de",
                     channels=(Channel.EMAIL,), key=f"parent-{teen.pk}")


def provider_recipient(provider: ProviderProfile, *, calls: bool = True) -> Recipient | None:
    """By her contact preference. Without the address that preference needs (no e-mail, no
    mobile number) the coordination phones her: nobody is left without the news. With
    `calls=False` (a reminder two hours ahead: too late for a call) the call is left out."""
    preference = provider.contact_preference
    email, phone = provider.contact_email, provider.phone
    inapp = (Channel.INAPP,) if provider.user_id else ()
    if preference == ContactPreference.EMAIL and email:
        channels = (Channel.EMAIL, *inapp)
    elif preference == ContactPreference.SMS and phone:
        channels = (Channel.SMS, *inapp)
    else:  # phone, letter, or no address for her choice
        channels = (Channel.CALL, *inapp) if calls else inapp
    if not channels:
        return None
    user = provider.user if provider.user_id else None
    return Recipient(user_id=provider.user_id, name=_full_name(provider), email=email, phone=phone,
                     language=(user.language if user else "") or "de", channels=channels,
                     key=f"provider-{provider.pk}")


def coordinator_recipients(exchange_id: int) -> list[Recipient]:
    users = User.objects.filter(role=Role.COORDINATOR, is_active=True,
                                memberships__exchange_id=exchange_id).order_by("pk").distinct()
    return [Recipient(user_id=u.pk, name=u.email, email=u.email, language=u.language or "de",
                      channels=(Channel.EMAIL, Channel.INAPP)) for u in users]


def _is_minor_on(teen: TeenProfile, when: datetime) -> bool:
    age = teen.age_on(timezone.localtime(when).date())
    return age is not None and age < 18


def _acted_for_herself(by: User | None, provider: ProviderProfile) -> bool:
    return by is not None and provider.user_id is not None and by.pk == provider.user_id


def _send(kind: str, key: str, context: dict, recipients, *, exchange_id, now=None) -> list[Notification]:
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return []
    return notify(Event(kind=kind, key=key, context=context, exchange_id=exchange_id), recipients, now=now)


def _to_parent(kind: str, key: str, context: dict, assignment: Assignment) -> list[Notification]:
    """The same news for the parent of a teen who is a minor on the day of the match (DESIGN
    section 2): `context` addressed to the parent; nothing for a teen who is 18 by then."""
    teen = assignment.teen
    if not _is_minor_on(teen, assignment.starts_at):
        return []
    return _send(kind, key, {**context, "audience": "parent"}, [parent_recipient(teen)],
                 exchange_id=assignment.job.exchange_id)


def _assignments():
    """Matches with all that their notifications read (teen, provider, exchange, job)."""
    return Assignment.objects.select_related(
        "teen__user", "job__provider__user", "job__exchange", "job__category", "job__postcode")


# --- new fitting job: offers, rationed ----------------------------------------------------

def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def offers_since(user_ids, since: datetime) -> Counter:
    """How many different jobs each teen was offered since `since` (an offer is one row per
    channel, all with the job's id in their context), counted in the database."""
    rows = (Notification.objects.filter(kind=NEW_FITTING, user_id__in=list(user_ids), created_at__gte=since)
            .values("user_id").annotate(jobs=Count("context__job_id", distinct=True)).order_by())
    return Counter({row["user_id"]: row["jobs"] for row in rows})


def offers_today(user_ids, *, now: datetime | None = None) -> Counter:
    """How many different jobs each teen was offered today (local day)."""
    return offers_since(user_ids, _day_start(now or timezone.now()))


def job_opened(*, job: Job, now: datetime | None = None) -> list[Notification]:
    """A job became open (approved, created by a coordinator, or a place opened again): offer
    it to the teens who may do it. Rationed (DESIGN sections 6 and 7): at most the policy's
    number of offers per teen and day, the least-notified teens first (the engine's order among
    equals), and at most `OFFERS_PER_PLACE` teens per open place. Teens who chose the daily
    digest get it there instead; the teen a provider asked for again ("same helper") has the
    job to herself while it is reserved for her, so only she hears of it then."""
    from .selectors import candidates_for_job
    from .services.jobs import PREFERRED_TEEN_HOURS

    now = now or timezone.now()
    job = Job.objects.select_related("exchange__policy", "category", "postcode").get(pk=job.pk)
    if job.status != JobStatus.OPEN or job.places_left <= 0:
        return []
    # A teen whose match on this job was just cancelled (by her, the provider or the coordination)
    # is not offered the freed place: she knows the job, and the offer would read as a mistake.
    dropped = set(job.assignments.filter(status=AssignmentStatus.CANCELLED).values_list("teen_id", flat=True))
    teens = [teen for teen, _ranked in candidates_for_job(job=job) if teen.pk not in dropped]
    reserved = (job.preferred_teen_id and job.published_at
                and now < job.published_at + timedelta(hours=PREFERRED_TEEN_HOURS))
    if reserved:
        teens = [t for t in teens if t.pk == job.preferred_teen_id]
    if not teens:
        return []
    user_ids = [t.user_id for t in teens]
    users = User.objects.in_bulk(user_ids)
    digest = set(Preference.objects.filter(user_id__in=user_ids, kind=DIGEST, channel=Channel.EMAIL,
                                           enabled=True).values_list("user_id", flat=True))
    switched_off = Counter(Preference.objects.filter(
        user_id__in=user_ids, kind=NEW_FITTING, enabled=False,
        channel__in=[Channel.EMAIL, Channel.INAPP]).values_list("user_id", flat=True))
    already = set(Notification.objects.filter(kind=NEW_FITTING, user_id__in=user_ids,
                                              key__startswith=f"{NEW_FITTING}:{job.pk}:")
                  .values_list("user_id", flat=True))
    today = offers_today(user_ids, now=now)
    cap = job.exchange.policy.max_job_offers_per_day
    chosen = []
    for teen in teens:
        if teen.user_id in digest or teen.user_id in already or switched_off[teen.user_id] >= 2:
            continue
        if not reserved and today[teen.user_id] >= cap:
            continue
        teen.user = users[teen.user_id]
        chosen.append(teen)
    if not reserved:
        chosen.sort(key=lambda t: today[t.user_id])  # stable: the engine's order among equals
        chosen = chosen[:OFFERS_PER_PLACE * job.places_left]
    sms = _sms_wanted([t.user_id for t in chosen], NEW_FITTING)
    context = {**_job_context(job, exact=False), "audience": "teen", "reserved_for_you": bool(reserved),
               "url": reverse("teen_job", args=[job.pk])}
    return _send(NEW_FITTING, f"{NEW_FITTING}:{job.pk}", context,
                 [_teen(t, sms=t.user_id in sms) for t in chosen], exchange_id=job.exchange_id, now=now)


def job_digest_send(*, now: datetime | None = None) -> int:
    """The daily digest for teens who chose it instead of single offers: the open jobs they may
    do that were published in the last day. One per teen and day; nothing when nothing is new."""
    from .selectors import feed_for_teen

    now = now or timezone.now()
    since = now - timedelta(days=1)
    day = timezone.localdate(now)
    opted_in = Preference.objects.filter(kind=DIGEST, channel=Channel.EMAIL, enabled=True).values("user_id")
    sent = 0
    for teen in (TeenProfile.objects.filter(user_id__in=opted_in, status=TeenStatus.ACTIVE)
                 .select_related("user", "exchange")):
        jobs = [job for job, _ranked in feed_for_teen(teen=teen)
                if job.published_at and job.published_at >= since]
        if not jobs:
            continue
        context = {**_exchange_context(teen.exchange), "audience": "teen", "date": day.isoformat(),
                   "count": len(jobs), "url": reverse("teen_feed"),
                   "jobs": [{"job_id": j.pk, "job_title": j.title, "category": j.category.name,
                             "place": j.postcode.place, "postcode": j.postcode_id,
                             "starts_at": _iso(j.starts_at), "ends_at": _iso(j.ends_at),
                             "window_start": _iso(j.window_start), "window_end": _iso(j.window_end),
                             "duration_minutes": j.duration_minutes or 0,
                             "url": reverse("teen_job", args=[j.pk])} for j in jobs]}
        recipient = Recipient(user_id=teen.user_id, name=teen.first_name, email=teen.user.email,
                              language=teen.user.language or "de", is_minor=teen.is_minor,
                              channels=(Channel.EMAIL,))
        if _send(DIGEST, f"{DIGEST}:{teen.pk}:{day.isoformat()}", context, [recipient],
                 exchange_id=teen.exchange_id, now=now):
            sent += 1
    return sent


# --- applications and the match -----------------------------------------------------------

def application_created(*, application: Application) -> list[Notification]:
    """A teen applied: the provider hears who (first name and age only, DESIGN section 8)."""
    job = application.job
    teen = application.teen
    context = {**_job_context(job, exact=True), "audience": "provider", "application_id": application.pk,
               "teen_name": teen.first_name, "teen_age": teen.age or "", "message": application.message,
               "url": reverse("provider_job", args=[job.pk])}
    return _send("application.new", f"application.new:{application.pk}", context,
                 [provider_recipient(job.provider)], exchange_id=job.exchange_id)


def assignment_confirmed(*, assignment: Assignment, by: User | None,
                         closed: list[Application] = (), replaces: TeenProfile | None = None) -> list[Notification]:
    """A match is confirmed: the teen hears she has the job (with the address and the
    provider's phone); the provider too when somebody else (a coordinator) made the match; a
    minor's parent gets what, where, when and with whom; applications closed because the job is
    now full are told so."""
    assignment = _assignments().get(pk=assignment.pk)
    job, teen = assignment.job, assignment.teen
    context = _assignment_context(assignment)
    # A reassignment: the provider reads that her helper changed, not only that a new one comes.
    context["replaces_name"] = replaces.first_name if replaces is not None else ""
    key = f"application.accepted:{assignment.pk}"
    rows = _send("application.accepted", f"{key}:teen",
                 {**context, "audience": "teen", "url": reverse("teen_assignments")},
                 [teen_recipient(teen, "application.accepted")], exchange_id=job.exchange_id)
    if not _acted_for_herself(by, job.provider):
        rows += _send("application.accepted", f"{key}:provider",
                      {**context, "audience": "provider", "url": reverse("provider_job", args=[job.pk])},
                      [provider_recipient(job.provider)], exchange_id=job.exchange_id)
    rows += parent_information(assignment=assignment)
    if closed:
        rows += applications_closed(applications=closed, reason="filled")
    return rows


def parent_information(*, assignment: Assignment, change_key: str = "") -> list[Notification]:
    """Every confirmed job of a minor, and every later change of its time or place, is told to
    her parent (DESIGN section 2): what, where (the street), when and with whom (the provider's
    name and phone). Nothing for a teen who is 18 on the day of the job."""
    context = {**_assignment_context(assignment), "changed": bool(change_key)}
    key = f"parent.job_confirmed:{assignment.pk}" + (f":{change_key}" if change_key else "")
    return _to_parent("parent.job_confirmed", key, context, assignment)


def application_declined(*, application: Application) -> list[Notification]:
    job = application.job
    context = {**_job_context(job, exact=False), "audience": "teen", "url": reverse("teen_feed")}
    return _send("application.declined", f"application.declined:{application.pk}", context,
                 [teen_recipient(application.teen, "application.declined")], exchange_id=job.exchange_id)


def applications_closed(*, applications, reason: str) -> list[Notification]:
    """Pending applications that closed because the job is full (`filled`) or its time passed
    unfilled (`expired`)."""
    rows, contexts = [], {}
    for application in applications:
        job = application.job
        if job.pk not in contexts:
            contexts[job.pk] = {**_job_context(job, exact=False), "audience": "teen", "reason": reason,
                                "url": reverse("teen_feed")}
        context = contexts[job.pk]
        rows += _send("application.closed", f"application.closed:{application.pk}", context,
                      [teen_recipient(application.teen, "application.closed")], exchange_id=job.exchange_id)
    return rows


# --- changes and cancellations ------------------------------------------------------------

def job_changed(*, job: Job, by: User | None, change_key: str, time_changed: bool,
                place_changed: bool) -> list[Notification]:
    """The time or place of a job changed: its helpers (with the new address and times) and
    their parents, the teens who applied (the area only), and the provider unless she made the
    change herself. `change_key` makes each change an event of its own."""
    job = Job.objects.select_related("provider__user", "exchange", "category", "postcode").get(pk=job.pk)
    what = {"time_changed": time_changed, "place_changed": place_changed}
    rows = []
    for assignment in (job.assignments.filter(status=AssignmentStatus.CONFIRMED)
                       .select_related("teen__user").order_by("pk")):
        assignment.job = job
        context = {**_assignment_context(assignment), **what, "audience": "teen", "url": reverse("teen_assignments")}
        rows += _send("job.changed", f"job.changed:{change_key}:a{assignment.pk}", context,
                      [teen_recipient(assignment.teen, "job.changed")], exchange_id=job.exchange_id)
        rows += parent_information(assignment=assignment, change_key=f"change{change_key}")
    applicants = [a.teen for a in job.applications.filter(status=ApplicationStatus.PENDING)
                  .select_related("teen__user").order_by("pk")]
    if applicants:
        context = {**_job_context(job, exact=False), **what, "audience": "teen",
                   "url": reverse("teen_job", args=[job.pk])}
        sms = _sms_wanted([t.user_id for t in applicants], "job.changed")
        rows += _send("job.changed", f"job.changed:{change_key}:applicants", context,
                      [_teen(t, sms=t.user_id in sms) for t in applicants], exchange_id=job.exchange_id)
    if not _acted_for_herself(by, job.provider):
        context = {**_job_context(job, exact=True), **what, "audience": "provider",
                   "url": reverse("provider_job", args=[job.pk])}
        rows += _send("job.changed", f"job.changed:{change_key}:provider", context,
                      [provider_recipient(job.provider)], exchange_id=job.exchange_id)
    return rows


def job_cancelled(*, job: Job, by: User | None, assignments: list[Assignment],
                  applications: list[Application]) -> list[Notification]:
    """A job is cancelled: its helpers and their parents, the teens who applied, and the
    provider unless she cancelled it herself. `assignments` and `applications` are the ones
    the cancellation closed."""
    job = Job.objects.select_related("provider__user", "exchange", "category", "postcode").get(pk=job.pk)
    reason = job.status_reason
    key = f"job.cancelled:{job.pk}"
    rows = []
    for assignment in assignments:
        assignment.job = job
        context = {**_assignment_context(assignment), "audience": "teen", "reason": reason,
                   "url": reverse("teen_assignments")}
        rows += _send("job.cancelled", f"{key}:a{assignment.pk}", context,
                      [teen_recipient(assignment.teen, "job.cancelled")], exchange_id=job.exchange_id)
        rows += _to_parent("job.cancelled", f"{key}:a{assignment.pk}:parent", context, assignment)
    if applications:
        context = {**_job_context(job, exact=False), "audience": "teen", "reason": reason,
                   "url": reverse("teen_feed")}
        teens = [a.teen for a in applications]
        sms = _sms_wanted([t.user_id for t in teens], "job.cancelled")
        rows += _send("job.cancelled", f"{key}:applicants", context,
                      [_teen(t, sms=t.user_id in sms) for t in teens], exchange_id=job.exchange_id)
    if not _acted_for_herself(by, job.provider):
        context = {**_job_context(job, exact=True), "audience": "provider", "reason": reason,
                   "url": reverse("provider_job", args=[job.pk])}
        rows += _send("job.cancelled", f"{key}:provider", context, [provider_recipient(job.provider)],
                      exchange_id=job.exchange_id)
    return rows


def assignment_cancelled(*, assignment: Assignment, side: str) -> list[Notification]:
    """One side (or a coordinator) called off a confirmed match: the other side hears it (both
    when a coordinator did), and a minor's parent too."""
    return _assignment_cancelled(assignment, side=side, tell_provider=side != "provider")


def _assignment_cancelled(assignment: Assignment, *, side: str, tell_provider: bool) -> list[Notification]:
    """The teen (unless she called it off herself), the provider when `tell_provider`, and a
    minor's parent hear that `side` cancelled the match."""
    assignment = _assignments().get(pk=assignment.pk)
    job, teen = assignment.job, assignment.teen
    context = {**_assignment_context(assignment), "cancelled_by": side, "reason": assignment.status_reason}
    key = f"assignment.cancelled:{assignment.pk}"
    rows = []
    if side != "teen":
        rows += _send("assignment.cancelled", f"{key}:teen",
                      {**context, "audience": "teen", "url": reverse("teen_assignments")},
                      [teen_recipient(teen, "assignment.cancelled")], exchange_id=job.exchange_id)
    if tell_provider:
        rows += _send("assignment.cancelled", f"{key}:provider",
                      {**context, "audience": "provider", "url": reverse("provider_job", args=[job.pk])},
                      [provider_recipient(job.provider)], exchange_id=job.exchange_id)
    return rows + _to_parent("assignment.cancelled", f"{key}:parent", context, assignment)


# --- verification -------------------------------------------------------------------------

def consent_requested(*, consent: ParentalConsent) -> list[Notification]:
    """The consent e-mail to the parent, with the signed link (DESIGN section 5)."""
    from .services.consent import consent_token

    consent = ParentalConsent.objects.select_related("teen__user", "teen__exchange__policy").get(pk=consent.pk)
    teen = consent.teen
    policy = getattr(teen.exchange, "policy", None) if teen.exchange_id else None
    context = {
        **(_exchange_context(teen.exchange) if teen.exchange_id else {}),
        "audience": "parent", "consent_id": consent.pk, "teen_name": teen.first_name,
        "parent_name": consent.parent_name, "expires_at": _iso(consent.expires_at),
        "max_hours_per_day": str(policy.max_hours_per_day) if policy else "2",
        "max_hours_per_week": str(policy.max_hours_per_week) if policy else "10",
        "link": reverse("consent_give", args=[consent_token(consent, purpose="give")]),
    }
    return _send("verification.consent_requested", f"verification.consent_requested:{consent.pk}", context,
                 [parent_recipient(teen, name=consent.parent_name, email=consent.parent_email)],
                 exchange_id=teen.exchange_id)


def consent_request_sent_at(*, consent: ParentalConsent) -> datetime | None:
    """When the consent e-mail left (for the teen's "last sent on"), or None while it waits."""
    from notifications.models import Status

    return (Notification.objects.filter(kind="verification.consent_requested", status=Status.SENT,
                                        key__startswith=f"verification.consent_requested:{consent.pk}:")
            .values_list("sent_at", flat=True).first())


def consent_given(*, consent: ParentalConsent) -> list[Notification]:
    """The parent's confirmation (with the link to revoke) and the good news for the teen."""
    from .services.consent import consent_token

    consent = ParentalConsent.objects.select_related("teen__user", "teen__exchange").get(pk=consent.pk)
    teen = consent.teen
    context = {**(_exchange_context(teen.exchange) if teen.exchange_id else {}), "consent_id": consent.pk,
               "teen_name": teen.first_name, "signed_name": consent.signed_name,
               "given_at": _iso(consent.given_at)}
    key = f"verification.consent_given:{consent.pk}"
    rows = []
    if consent.parent_email:
        rows += _send("verification.consent_given", f"{key}:parent",
                      {**context, "audience": "parent",
                       "revoke_link": reverse("consent_revoke", args=[consent_token(consent, purpose="revoke")])},
                      [parent_recipient(teen, name=consent.signed_name or consent.parent_name,
                                        email=consent.parent_email)], exchange_id=teen.exchange_id)
    # The teen hears it in her inbox (and by SMS if she chose so): the parent's confirmation is
    # the one e-mail of this step, and the next real news, the invitation to the intake talk,
    # comes from the coordination.
    recipient = teen_recipient(teen, "verification.consent_given")
    recipient = replace(recipient, channels=tuple(c for c in recipient.channels if c != Channel.EMAIL))
    rows += _send("verification.consent_given", f"{key}:teen",
                  {**context, "audience": "teen", "url": reverse("teen_profile")},
                  [recipient], exchange_id=teen.exchange_id)
    return rows


def teen_activated(*, teen: TeenProfile, change_key: str) -> list[Notification]:
    """A coordinator activated the teen: from now on she gets offers."""
    teen = TeenProfile.objects.select_related("user", "exchange").get(pk=teen.pk)
    context = {**_exchange_context(teen.exchange), "audience": "teen", "teen_name": teen.first_name,
               "url": reverse("teen_feed")}
    return _send("verification.activated", f"verification.activated:{teen.pk}:{change_key}", context,
                 [teen_recipient(teen, "verification.activated")], exchange_id=teen.exchange_id)


# --- to the coordination ------------------------------------------------------------------

def incident_reported(*, incident) -> list[Notification]:
    """Every problem report goes to the coordinators of the exchange at once."""
    job = incident.job
    reporter = incident.reported_by
    context = {**(_job_context(job, exact=True) if job else _exchange_context(incident.exchange)),
               "audience": "coordinator", "incident_id": incident.pk, "text": incident.text,
               "reported_by_role": reporter.role if reporter else "",
               "reported_at": _iso(incident.created_at),
               "url": reverse("coordinator_incident", args=[incident.pk])}
    return _send("coordination.incident", f"coordination.incident:{incident.pk}", context,
                 coordinator_recipients(incident.exchange_id), exchange_id=incident.exchange_id)


def unfilled_jobs_warn(*, now: datetime | None = None) -> int:
    """Open jobs with places left that start within 48 hours: the coordinators can still
    phone somebody. Once per job."""
    now = now or timezone.now()
    horizon = now + UNFILLED_WARNING
    jobs = (Job.objects.filter(status=JobStatus.OPEN)
            .filter(Q(starts_at__gt=now, starts_at__lte=horizon)
                    | Q(starts_at__isnull=True, window_start__lte=timezone.localdate(horizon),
                        window_end__gte=timezone.localdate(now)))
            .select_related("exchange", "category", "postcode").order_by("pk"))
    count = 0
    for job in jobs:
        if job.places_left <= 0:
            continue
        context = {**_job_context(job, exact=True), "audience": "coordinator", "places_left": job.places_left,
                   "applications_pending": job.applications.filter(status=ApplicationStatus.PENDING).count(),
                   "url": reverse("coordinator_job", args=[job.pk])}
        if _send("coordination.unfilled_job", f"coordination.unfilled_job:{job.pk}", context,
                 coordinator_recipients(job.exchange_id), exchange_id=job.exchange_id, now=now):
            count += 1
    return count


# --- around the job: reminders and feedback -----------------------------------------------

def _confirmed_assignments():
    return _assignments().filter(status=AssignmentStatus.CONFIRMED).order_by("starts_at", "pk")


def _remind(assignment: Assignment, which: str, *, now: datetime) -> list[Notification]:
    job = assignment.job
    context = {**_assignment_context(assignment), "reminder": which}
    key = f"assignment.reminder:{assignment.pk}:{which}"
    rows = _send("assignment.reminder", f"{key}:teen",
                 {**context, "audience": "teen", "url": reverse("teen_assignments")},
                 [teen_recipient(assignment.teen, "assignment.reminder")], exchange_id=job.exchange_id, now=now)
    # A call two hours ahead would come too late for a coordinator's office hours; the call
    # of the day before is the reminder of a provider without e-mail.
    rows += _send("assignment.reminder", f"{key}:provider",
                  {**context, "audience": "provider", "url": reverse("provider_job", args=[job.pk])},
                  [provider_recipient(job.provider, calls=which == "day")], exchange_id=job.exchange_id, now=now)
    return rows


def reminders_day_before_send(*, now: datetime | None = None) -> int:
    """The reminder on the day before a confirmed job, to the teen and the provider (once per
    match: the key holds the match and the reminder)."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()))
    end = start + timedelta(days=1)
    assignments = _confirmed_assignments().filter(starts_at__gte=start, starts_at__lt=end)
    return sum(bool(_remind(a, "day", now=now)) for a in assignments)


def reminders_two_hours_send(*, now: datetime | None = None) -> int:
    """The reminder two hours before a confirmed job. A match confirmed within those two hours
    needs none: its confirmation just arrived."""
    now = now or timezone.now()
    assignments = [a for a in _confirmed_assignments().filter(starts_at__gt=now, starts_at__lte=now + TWO_HOURS)
                   if a.created_at <= a.starts_at - TWO_HOURS]
    return sum(bool(_remind(a, "two_hours", now=now)) for a in assignments)


def feedback_requests_send(*, now: datetime | None = None) -> int:
    """After the job: the provider is asked to confirm the hours and rate the help, the teen to
    rate the job once the provider has confirmed it (before that she cannot rate yet). Once
    per side and match."""
    now = now or timezone.now()
    assignments = (_assignments()
                   .filter(status__in=[AssignmentStatus.CONFIRMED, AssignmentStatus.DONE],
                           ends_at__lte=now - FEEDBACK_AFTER, ends_at__gte=now - FEEDBACK_WINDOW)
                   .prefetch_related("feedback").order_by("ends_at", "pk"))
    count = 0
    for assignment in assignments:
        job = assignment.job
        rated = {f.author for f in assignment.feedback.all()}
        context = {**_assignment_context(assignment), "done": assignment.status == AssignmentStatus.DONE}
        key = f"feedback.requested:{assignment.pk}"
        if FeedbackAuthor.PROVIDER not in rated:
            # Before she can rate, she confirms the hours (that closes the match).
            page = "assignment_feedback" if context["done"] else "assignment_complete"
            count += bool(_send("feedback.requested", f"{key}:provider",
                                {**context, "audience": "provider", "url": reverse(page, args=[assignment.pk])},
                                [provider_recipient(job.provider)], exchange_id=job.exchange_id, now=now))
        if FeedbackAuthor.TEEN not in rated and assignment.status == AssignmentStatus.DONE:
            count += bool(_send("feedback.requested", f"{key}:teen",
                                {**context, "audience": "teen",
                                 "url": reverse("assignment_feedback", args=[assignment.pk])},
                                [teen_recipient(assignment.teen, "feedback.requested")],
                                exchange_id=job.exchange_id, now=now))
    return count


# --- broadcasts (issue 6) -----------------------------------------------------------------

def broadcast_sent(*, broadcast, teens: list[TeenProfile]) -> list[Notification]:
    """A coordinator's message to many teens: one event keyed by the broadcast, so it cannot
    go out twice. The SMS choices of all of them are read at once (3,000 teens, one query)."""
    sms = _sms_wanted([t.user_id for t in teens], "broadcast")
    context = {**_exchange_context(broadcast.exchange), "audience": "teen", "broadcast_id": broadcast.pk,
               "title": broadcast.title, "message": broadcast.message, "url": broadcast.url}
    return _send("broadcast", f"broadcast:{broadcast.pk}", context,
                 [_teen(t, sms=t.user_id in sms) for t in teens], exchange_id=broadcast.exchange_id)


# --- the coordinator's console (issue 6) --------------------------------------------------

def assignment_reassigned_away(*, assignment: Assignment) -> list[Notification]:
    """A coordinator gave this match to another teen: the teen who loses it (and a minor's
    parent) hear that it is cancelled by the coordination. The provider is not told of the
    cancellation: she hears of her new helper through `assignment_confirmed`."""
    return _assignment_cancelled(assignment, side="coordinator", tell_provider=False)
