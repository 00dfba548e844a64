"""The coordinator's "Today" page: every queue of her exchange with its count and its oldest items
first, and the follow-ups done from it (close a problem report, mark a low rating as seen and a
no-show as followed up). Personas: the coordinator of the exchange; a coordinator of another
exchange (sees nothing, 404 on every object); a teen and a provider (403)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from marketplace.models import (
    Assignment,
    AssignmentStatus,
    Feedback,
    FeedbackAuthor,
    Incident,
    IncidentStatus,
    Job,
    JobStatus,
    ProviderProfile,
    ProviderStatus,
    TeenProfile,
    TeenStatus,
)
from marketplace.selectors import today as queues
from notifications.models import Channel, Notification, Status
from tests.factories import make_coordinator, make_provider, make_teen
from tests.web.helpers import session_queries, tags

pytestmark = pytest.mark.django_db

HOME = "/koordination/"


# --- building the queues -------------------------------------------------------------------


class World:
    """Items for every queue of one exchange. `age` makes an item older (for the unfilled jobs:
    sooner), so the expected order of a queue is by descending age."""

    def __init__(self, exchange, postcode: str):
        self.exchange, self.postcode = exchange, postcode
        self._provider = None

    @property
    def provider(self) -> ProviderProfile:
        if self._provider is None:
            self._provider = make_provider(self.exchange, postcode=self.postcode, first_name="Helga")
        return self._provider

    def job(self, title, *, status=JobStatus.OPEN, starts_in=timedelta(days=5), window=None, created_ago=None,
            helpers_needed=1, helpers_accepted=0) -> Job:
        now = timezone.now()
        when = {}
        if window:
            when = {"window_start": window[0], "window_end": window[1], "duration_minutes": 60}
        else:
            start = (now + starts_in).replace(second=0, microsecond=0)
            when = {"starts_at": start, "ends_at": start + timedelta(minutes=90)}
        provider = self.provider
        return Job.objects.create(
            exchange=self.exchange, provider=provider, category=self.exchange.categories.get(slug="garden"),
            title=title, street=provider.street, postcode_id=self.postcode, latitude=50.8, longitude=6.48,
            hourly_rate=Decimal("8.00"), helpers_needed=helpers_needed, helpers_accepted=helpers_accepted,
            status=status, created_at=now - (created_ago or timedelta(0)), **when)

    def teen(self, name, status=TeenStatus.ACTIVE, *, ago=timedelta(0), **fields) -> TeenProfile:
        teen = make_teen(self.exchange, status=status, first_name=name, postcode=self.postcode, **fields)
        TeenProfile.objects.filter(pk=teen.pk).update(status_changed_at=timezone.now() - ago)
        return teen

    def assignment(self, teen_name, *, status=AssignmentStatus.DONE, ago=timedelta(days=1)) -> Assignment:
        job = self.job(f"Einsatz von {teen_name}", status=JobStatus.DONE, starts_in=-ago - timedelta(hours=2))
        return Assignment.objects.create(job=job, teen=self.teen(teen_name), status=status,
                                         starts_at=job.starts_at, ends_at=job.ends_at)

    def notification(self, name, *, channel, status, ago, done=False) -> Notification:
        return Notification.objects.create(
            recipient_name=name, recipient_phone="02421 555", recipient_email="x@example.org",
            exchange_id=self.exchange.pk, kind="application.new", channel=channel, status=status,
            created_at=timezone.now() - ago, done_at=timezone.now() if done else None,
            key=f"{name}:{Notification.objects.count()}")

    def add(self, key: str, name: str, age: int = 0):
        """One item that belongs in queue `key`."""
        ago = timedelta(days=age, minutes=1)
        if key == queues.CONSENT:
            return self.teen(name, TeenStatus.CONSENT_PENDING, ago=ago)
        if key == queues.INTAKE:
            return self.teen(name, TeenStatus.INTAKE_PENDING, ago=ago)
        if key == queues.DECISION:
            return self.teen(name, TeenStatus.INTAKE_PENDING, ago=ago,
                             intake_on=timezone.localdate() - timedelta(days=1))
        if key == queues.PROVIDERS:
            profile = make_provider(self.exchange, status=ProviderStatus.PENDING, first_name=name,
                                    postcode=self.postcode)
            ProviderProfile.objects.filter(pk=profile.pk).update(created_at=timezone.now() - ago)
            return profile
        if key == queues.REVIEW:
            return self.job(name, status=JobStatus.REVIEW, created_ago=ago)
        if key == queues.UNFILLED:
            return self.job(name, starts_in=timedelta(hours=40 - age))
        if key == queues.CALLS:
            return self.notification(name, channel=Channel.CALL, status=Status.SENT, ago=ago)
        if key == queues.INCIDENTS:
            return Incident.objects.create(exchange=self.exchange, job=self.job(f"Auftrag {name}"),
                                           reported_by=self.provider.user, text=name,
                                           created_at=timezone.now() - ago)
        if key == queues.LOW_RATINGS:
            return Feedback.objects.create(assignment=self.assignment(f"Teen {name}"), author=FeedbackAuthor.PROVIDER,
                                           stars=2, comment=name, created_at=timezone.now() - ago)
        if key == queues.NO_SHOWS:
            return self.assignment(name, status=AssignmentStatus.NO_SHOW, ago=ago)
        if key == queues.FAILED:
            return self.notification(name, channel=Channel.EMAIL, status=Status.FAILED, ago=ago)
        raise AssertionError(key)

    def add_lookalikes(self, key: str) -> None:
        """Items that resemble queue `key` but do not belong in it."""
        today = timezone.localdate()
        if key == queues.CONSENT:
            self.teen("Nein-aktiv")
            self.teen("Nein-pausiert", TeenStatus.PAUSED)
        elif key == queues.INTAKE:
            self.teen("Nein-einwilligung", TeenStatus.CONSENT_PENDING)
            self.add(queues.DECISION, "Nein-gespraech-gefuehrt")
        elif key == queues.DECISION:
            self.add(queues.INTAKE, "Nein-ohne-gespraech")
        elif key == queues.PROVIDERS:
            make_provider(self.exchange, first_name="Nein-aktiv", postcode=self.postcode)
        elif key == queues.REVIEW:
            self.job("Nein-offen")
            self.job("Nein-entwurf", status=JobStatus.DRAFT)
        elif key == queues.UNFILLED:
            self.job("Nein-in-drei-tagen", starts_in=timedelta(days=3))
            self.job("Nein-besetzt", starts_in=timedelta(hours=20), helpers_accepted=1)
            self.job("Nein-schon-begonnen", starts_in=timedelta(hours=-1))
            self.job("Nein-in-pruefung", status=JobStatus.REVIEW, starts_in=timedelta(hours=20))
            self.job("Nein-zeitraum-offen", window=(today, today + timedelta(days=5)))
        elif key == queues.CALLS:
            self.notification("Nein-wartet", channel=Channel.CALL, status=Status.PENDING, ago=timedelta(days=3))
            self.notification("Nein-erledigt", channel=Channel.CALL, status=Status.SENT, ago=timedelta(days=3),
                              done=True)
        elif key == queues.INCIDENTS:
            Incident.objects.create(exchange=self.exchange, text="Nein-erledigt", status=IncidentStatus.CLOSED,
                                    created_at=timezone.now() - timedelta(days=9))
        elif key == queues.LOW_RATINGS:
            Feedback.objects.create(assignment=self.assignment("Teen drei"), author=FeedbackAuthor.TEEN, stars=3,
                                    comment="Nein-drei-sterne")
            Feedback.objects.create(assignment=self.assignment("Teen gesehen"), author=FeedbackAuthor.TEEN, stars=1,
                                    comment="Nein-gesehen", reviewed_at=timezone.now())
        elif key == queues.NO_SHOWS:
            self.assignment("Nein-erledigt")
            Assignment.objects.filter(pk=self.assignment("Nein-nachgehalten", status=AssignmentStatus.NO_SHOW).pk
                                      ).update(reviewed_at=timezone.now())
        elif key == queues.FAILED:
            self.notification("Nein-gesendet", channel=Channel.EMAIL, status=Status.SENT, ago=timedelta(days=3))


def label(key: str, item) -> str:
    """The name an item of queue `key` was built with."""
    if key in (queues.CONSENT, queues.INTAKE, queues.DECISION, queues.PROVIDERS):
        return item.first_name
    if key in (queues.REVIEW, queues.UNFILLED):
        return item.title
    if key in (queues.CALLS, queues.FAILED):
        return item.recipient_name
    if key == queues.INCIDENTS:
        return item.text
    if key == queues.LOW_RATINGS:
        return item.comment
    return item.teen.first_name


def queue_of(response, key: str):
    return next(section["queue"] for section in response.context["sections"] if section["key"] == key)


@pytest.fixture
def world(exchange):
    return World(exchange, "52349")


@pytest.fixture
def elsewhere(other_exchange):
    return World(other_exchange, "52062")


@pytest.fixture
def coordinator(exchange):
    return make_coordinator(exchange, email="koordination@example.org")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def html_of(response) -> str:
    return response.content.decode()


# --- the queues ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", queues.QUEUES)
def test_each_queue_shows_its_items_oldest_first_with_the_count_and_nothing_of_another_exchange(
    coordinator_client, world, elsewhere, key
):
    world.add(key, "Mittel", age=2)
    world.add(key, "Neu", age=0)
    world.add(key, "Alt", age=5)
    world.add_lookalikes(key)
    elsewhere.add(key, "Fremd", age=9)
    response = coordinator_client.get(HOME)
    assert response.status_code == 200
    queue = queue_of(response, key)
    assert [label(key, item) for item in queue.items] == ["Alt", "Mittel", "Neu"]
    assert queue.count == 3
    html = html_of(response)
    heading = next(h for h in tags(html, "h2") if h.get("id") == f"warteschlange-{key.replace('_', '-')}-heading")
    assert heading, "every queue has its own heading to jump to"
    assert "Fremd" not in html
    for name in ("Alt", "Mittel", "Neu"):
        assert name in html


def test_a_queue_shows_the_ten_oldest_and_says_how_many_more_wait(coordinator_client, world):
    for age in range(12):
        world.add(queues.CONSENT, f"Teen{age:02d}", age=age)
    response = coordinator_client.get(HOME)
    queue = queue_of(response, queues.CONSENT)
    assert queue.count == 12
    assert [t.first_name for t in queue.items] == [f"Teen{age:02d}" for age in range(11, 1, -1)]
    html = html_of(response)
    assert "… und 2 weitere." in html
    assert "Teen01" not in html and "Teen00" not in html


def test_an_empty_queue_says_so(coordinator_client):
    response = coordinator_client.get(HOME)
    html = html_of(response)
    assert all(section["queue"].count == 0 for section in response.context["sections"])
    assert "Heute wartet nichts auf Sie." in html
    assert "Niemand wartet auf eine Einwilligung." in html
    assert "Alle Aufträge der nächsten 48 Stunden sind besetzt." in html
    assert "Keine offenen Meldungen." in html


def test_without_an_intake_talk_in_the_policy_a_teen_waits_for_the_decision(coordinator_client, world, exchange):
    exchange.policy.intake_required = False
    exchange.policy.save()
    world.teen("Ohne", TeenStatus.INTAKE_PENDING)
    response = coordinator_client.get(HOME)
    assert [t.first_name for t in queue_of(response, queues.DECISION).items] == ["Ohne"]
    assert queue_of(response, queues.INTAKE).count == 0


def test_an_unfilled_job_shows_places_left_time_to_start_and_links_to_its_candidates(coordinator_client, world):
    job = world.job("Rasen mähen", starts_in=timedelta(hours=26), helpers_needed=2, helpers_accepted=1)
    # Must be done today: before any fixed start of tomorrow or later.
    window_job = world.job("Fenster putzen", window=(timezone.localdate(), timezone.localdate()))
    response = coordinator_client.get(HOME)
    assert [j.title for j in queue_of(response, queues.UNFILLED).items] == ["Fenster putzen", "Rasen mähen"]
    html = html_of(response)
    links = {a["href"] for a in tags(html, "a")}
    assert reverse("coordinator_job", args=[job.pk]) in links
    assert reverse("coordinator_job", args=[window_job.pk]) in links
    assert "noch 1 Platz frei" in html and "1 von 2 zugesagt" in html
    assert "beginnt in 1\xa0Tag" in html
    assert "spätestens am" in html
    # The job's page has the engine's candidates, best first, with the button to assign.
    page = html_of(coordinator_client.get(reverse("coordinator_job", args=[job.pk])))
    assert "Passende Jugendliche" in page


def test_the_page_links_every_queue_to_its_full_list_and_keeps_the_old_counts(coordinator_client, world):
    world.add(queues.REVIEW, "Prüfen")
    world.add(queues.REVIEW, "Prüfen auch")
    world.job("Offen später")
    world.add(queues.CALLS, "Anruf")
    world.add(queues.CALLS, "Anruf zwei")
    world.add(queues.FAILED, "Fehler")
    response = coordinator_client.get(HOME)
    assert response.context["job_counts"] == {"review": 2, "open": 1}
    html = html_of(response)
    assert "2 Aufträge warten auf Prüfung" in html and "1 offener Auftrag sucht Helfer" in html
    assert "2 Anrufe auf der Anrufliste" in html and "1 Nachricht nicht zugestellt" in html
    links = {a["href"] for a in tags(html, "a")}
    assert {reverse("notification_call_list"), reverse("notification_failed"),
            f"{reverse('coordinator_jobs')}?status=review", reverse("coordinator_proposal"),
            reverse("coordinator_job_new")} <= links
    assert f"#warteschlange-{queues.UNFILLED}" in links


def fill_every_queue(world: World, per_queue: int) -> None:
    for key in queues.QUEUES:
        for age in range(per_queue):
            world.add(key, f"{key}-{age}", age=age)


@pytest.mark.parametrize("per_queue", [1, 10])
def test_the_page_needs_the_same_few_queries_however_full_the_queues_are(
    client, coordinator, world, django_assert_num_queries, per_queue
):
    fill_every_queue(world, per_queue)
    client.force_login(coordinator)
    # (Session,) user, her exchanges, one query per queue (11), the open jobs, the unread count.
    with django_assert_num_queries(15 + session_queries()):
        response = client.get(HOME)
    assert all(section["queue"].count == per_queue for section in response.context["sections"])


def test_queues_with_work_come_as_cards_and_the_empty_ones_as_one_short_list(client, coordinator, world):
    world.add(queues.INCIDENTS, "Wasserschaden")
    client.force_login(coordinator)
    html = html_of(client.get(HOME))
    headings = [h2.split("<")[0].strip() for h2 in html.split("<h2")[1:]]
    assert any("Gemeldete Probleme" in h for h in headings)
    assert any("Nichts offen" in h for h in headings)
    assert not any("Anrufe" in h for h in headings)  # empty: a line in "Nichts offen", no card
    assert 'id="warteschlange-calls"' in html  # the summary's link still lands on it
    # Everything due: no "Nichts offen" card at all.
    fill_every_queue(world, 1)
    assert "Nichts offen" not in html_of(client.get(HOME))


# --- permissions ---------------------------------------------------------------------------


def followup_objects(world: World):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    feedback = world.add(queues.LOW_RATINGS, "Mies")
    no_show = world.add(queues.NO_SHOWS, "Weg")
    return incident, feedback, no_show


def post_urls(incident, feedback, no_show):
    return [(reverse("coordinator_incident_close", args=[incident.pk]), {"resolution": "Telefoniert."}),
            (reverse("coordinator_feedback_reviewed", args=[feedback.pk]), {}),
            (reverse("coordinator_no_show_reviewed", args=[no_show.pk]), {})]


@pytest.mark.parametrize("persona", ["teen", "provider"])
def test_teens_and_providers_get_403(client, world, persona):
    incident, feedback, no_show = followup_objects(world)
    user = world.teen("Lena").user if persona == "teen" else world.provider.user
    client.force_login(user)
    assert client.get(HOME).status_code == 403
    assert client.get(reverse("coordinator_incident", args=[incident.pk])).status_code == 403
    for url, data in post_urls(incident, feedback, no_show):
        assert client.post(url, data).status_code == 403, url
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert not Feedback.objects.filter(reviewed_at__isnull=False).exists()


def test_a_visitor_is_sent_to_the_login(client, world):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    for url in (HOME, reverse("coordinator_incident", args=[incident.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_coordinator_of_another_exchange_gets_404_and_sees_none_of_it(client, world, other_exchange):
    fill_every_queue(world, 1)
    incident, feedback, no_show = followup_objects(world)
    client.force_login(make_coordinator(other_exchange, email="aachen@example.org"))
    response = client.get(HOME)
    assert all(section["queue"].count == 0 for section in response.context["sections"])
    html = html_of(response)
    for name in ("Vorfall", "Mies", "Weg", "Helga", "consent-0", "unfilled-0", "calls-0", "failed-0"):
        assert name not in html, name
    assert client.get(reverse("coordinator_incident", args=[incident.pk])).status_code == 404
    for url, data in post_urls(incident, feedback, no_show):
        assert client.post(url, data).status_code == 404, url
    incident.refresh_from_db()
    feedback.refresh_from_db()
    no_show.refresh_from_db()
    assert (incident.status, feedback.reviewed_at, no_show.reviewed_at) == (IncidentStatus.OPEN, None, None)


def test_the_follow_ups_take_only_post(coordinator_client, world):
    incident, feedback, no_show = followup_objects(world)
    for url, _data in post_urls(incident, feedback, no_show):
        assert coordinator_client.get(url).status_code == 405, url


# --- problem reports -----------------------------------------------------------------------


def test_the_report_page_shows_the_text_the_job_and_who_reported_it(coordinator_client, world, coordinator):
    assignment = world.assignment("Mia")
    incident = Incident.objects.create(exchange=world.exchange, job=assignment.job, assignment=assignment,
                                       reported_by=world.provider.user, text="Die Tür war verschlossen.")
    response = coordinator_client.get(reverse("coordinator_incident", args=[incident.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert "Die Tür war verschlossen." in html
    assert "Helga Muster" in html and "Auftraggeber/in" in html
    assert "Mia Beispiel" in html and assignment.job.title in html
    assert reverse("coordinator_job", args=[assignment.job_id]) in html
    assert tags(html, "textarea")[0]["name"] == "resolution"
    assert AuditEntry.objects.filter(action="marketplace.incident.viewed", actor=coordinator,
                                     target_id=incident.pk).exists()


def test_a_coordinator_closes_a_report_with_what_she_did(coordinator_client, world, coordinator):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    response = coordinator_client.post(reverse("coordinator_incident_close", args=[incident.pk]),
                                       {"resolution": "Mit beiden telefoniert, alles geklärt."}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert "Die Meldung ist erledigt" in html_of(response)
    assert queue_of(response, queues.INCIDENTS).count == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == coordinator
    assert incident.resolution == "Mit beiden telefoniert, alles geklärt." and incident.closed_at is not None
    entry = AuditEntry.objects.get(action="marketplace.incident.closed")
    assert (entry.actor, entry.target_id, entry.exchange_id) == (coordinator, incident.pk, world.exchange.pk)
    # The closed report still shows what was done.
    html = html_of(coordinator_client.get(reverse("coordinator_incident", args=[incident.pk])))
    assert "Mit beiden telefoniert" in html and "<textarea" not in html


def test_closing_a_report_without_saying_what_was_done_shows_the_error_next_to_the_field(coordinator_client, world):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    response = coordinator_client.post(reverse("coordinator_incident_close", args=[incident.pk]), {"resolution": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["resolution"] == ["Bitte beschreiben Sie kurz, was unternommen wurde."]
    assert "Bitte beschreiben Sie kurz, was unternommen wurde." in html_of(response)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


def test_closing_a_report_twice_says_it_is_already_closed(coordinator_client, world):
    incident = world.add(queues.INCIDENTS, "Vorfall")
    url = reverse("coordinator_incident_close", args=[incident.pk])
    coordinator_client.post(url, {"resolution": "Erledigt."})
    response = coordinator_client.post(url, {"resolution": "Nochmal."}, follow=True)
    assert response.status_code == 200
    assert "Diese Meldung ist schon erledigt." in html_of(response)
    incident.refresh_from_db()
    assert incident.resolution == "Erledigt."
    assert AuditEntry.objects.filter(action="marketplace.incident.closed").count() == 1


# --- low ratings and no-shows --------------------------------------------------------------


def test_a_coordinator_marks_a_low_rating_as_seen_and_a_second_click_does_no_harm(
    coordinator_client, world, coordinator
):
    feedback = world.add(queues.LOW_RATINGS, "Unfreundlich")
    url = reverse("coordinator_feedback_reviewed", args=[feedback.pk])
    assert url in html_of(coordinator_client.get(HOME))
    response = coordinator_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert "Die Bewertung ist als gesehen vermerkt." in html_of(response)
    assert queue_of(response, queues.LOW_RATINGS).count == 0
    feedback.refresh_from_db()
    assert feedback.reviewed_by == coordinator and feedback.reviewed_at is not None
    again = coordinator_client.post(url, follow=True)
    assert again.status_code == 200 and "schon als gesehen vermerkt" in html_of(again)
    assert AuditEntry.objects.filter(action="marketplace.feedback.reviewed", target_id=feedback.pk).count() == 1


def test_a_coordinator_marks_a_no_show_as_followed_up(coordinator_client, world, coordinator):
    no_show = world.add(queues.NO_SHOWS, "Jonas")
    url = reverse("coordinator_no_show_reviewed", args=[no_show.pk])
    assert url in html_of(coordinator_client.get(HOME))
    response = coordinator_client.post(url, follow=True)
    assert "Das Nichterscheinen von Jonas ist als nachgehalten vermerkt." in html_of(response)
    assert queue_of(response, queues.NO_SHOWS).count == 0
    no_show.refresh_from_db()
    assert no_show.reviewed_by == coordinator and no_show.status == AssignmentStatus.NO_SHOW
    entry = AuditEntry.objects.get(action="marketplace.assignment.no_show_reviewed")
    assert entry.subject_user_id == no_show.teen.user_id
    again = coordinator_client.post(url, follow=True)
    assert again.status_code == 200 and "schon als nachgehalten vermerkt" in html_of(again)


def test_a_coordinator_of_two_exchanges_sees_both_with_the_exchange_named(client, world, elsewhere, exchange,
                                                                         other_exchange):
    world.add(queues.REVIEW, "Hier prüfen", age=1)
    elsewhere.add(queues.REVIEW, "Dort prüfen", age=3)
    client.force_login(make_coordinator(exchange, other_exchange, email="beide@example.org"))
    response = client.get(HOME)
    assert [j.title for j in queue_of(response, queues.REVIEW).items] == ["Dort prüfen", "Hier prüfen"]
    html = html_of(response)
    # Once among her exchanges at the top, once at the item.
    assert html.count("Taschengeldbörse Aachen") == 2 and html.count("Taschengeldbörse Kreis Düren") == 2
