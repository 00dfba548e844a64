"""`manage.py seed_demo`: the Kreis Düren demo exchange with people to log in as.

Idempotent: every object is looked up by its e-mail address, slug or name first, and the
services run only for what is missing, so a second run changes nothing. Refused unless DEBUG
is on: demo accounts with a published password must never reach a production database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from marketplace.models import (
    AvailabilitySlot,
    Category,
    ContactPreference,
    Exchange,
    ProviderProfile,
    TeenProfile,
    TeenStatus,
)
from marketplace.services.exchanges import coordinator_create, exchange_create
from marketplace.services.providers import (
    provider_create_by_coordinator,
    provider_profile_update,
    provider_vet,
)
from marketplace.services.teens import Decision, Slot, teen_verify, validate_availability

from ._postcodes import read_postcodes, save_postcodes

# The public postcodes of Kreis Düren (DESIGN section 11), an excerpt of the GeoNames file, so
# the demo needs nothing outside the project.
POSTCODES_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo_postcodes.csv"

EXCHANGE = {
    "slug": "kreis-dueren",
    "name": "Taschengeldbörse Kreis Düren",
    "contact_email": "kontakt@demo.taschengeld.de",
    "contact_phone": "02421 123 456",
    "address": "Kreisverwaltung Düren\nAmt für Familie, Jugend und Soziales\n52351 Düren",
    "office_hours": "Dienstag 9:00–11:00 Uhr\nDonnerstag 15:00–17:00 Uhr",
}
OPERATOR_EMAIL = "admin@demo.taschengeld.de"
COORDINATOR_EMAIL = "koordination@demo.taschengeld.de"


@dataclass(frozen=True)
class DemoProvider:
    first_name: str
    last_name: str
    street: str
    postcode: str
    city: str
    phone: str
    contact_preference: str
    email: str = ""  # without one she has no account; the coordinator phones her


PROVIDERS = [
    DemoProvider("Hildegard", "Schmitz", "Kölnstraße 12", "52349", "Düren", "02421 234 567",
                 ContactPreference.EMAIL, "hildegard.schmitz@demo.taschengeld.de"),
    DemoProvider("Gisela", "Peters", "Große Rurstraße 3", "52428", "Jülich", "0171 234 5678",
                 ContactPreference.SMS, "gisela.peters@demo.taschengeld.de"),
    # Entered by the coordinator after a phone call: no e-mail address, reached by phone.
    DemoProvider("Heinz", "Müller", "Dorfstraße 5", "52372", "Kreuzau", "02422 987 654",
                 ContactPreference.PHONE),
]


@dataclass(frozen=True)
class DemoTeen:
    email: str
    first_name: str
    last_name: str
    age: int
    in_compulsory_school: bool
    postcode: str
    radius_km: int
    interests: tuple[str, ...]
    availability: tuple[tuple[int, time, time], ...]  # weekday (Monday 0), from, to
    legal_class: str
    parent_name: str = ""
    parent_email: str = ""


# One teen of every legal class the default policy (14–20) admits (DESIGN section 4). Minors'
# availability respects their limits: children only 08–18 h and after school, youths 06–20 h.
TEENS = [
    DemoTeen("mia.becker@demo.taschengeld.de", "Mia", "Becker", 14, True, "52349", 3,
             ("garden", "pets", "shopping"),
             ((0, time(15), time(17, 30)), (2, time(15), time(17, 30)), (5, time(10), time(13))),
             "14 Jahre (Kind)", "Sandra Becker", "eltern.becker@demo.taschengeld.de"),
    DemoTeen("jonas.wagner@demo.taschengeld.de", "Jonas", "Wagner", 16, True, "52372", 8,
             ("garden", "digital", "carrying", "babysitting"),
             ((1, time(15), time(18)), (3, time(15), time(18)), (5, time(9), time(14))),
             "15–17 Jahre, vollzeitschulpflichtig", "Thomas Wagner",
             "eltern.wagner@demo.taschengeld.de"),
    DemoTeen("lea.hoffmann@demo.taschengeld.de", "Lea", "Hoffmann", 17, False, "52428", 10,
             ("shopping", "household", "company", "tutoring"),
             ((0, time(17), time(19, 30)), (2, time(17), time(19, 30)), (5, time(8), time(14))),
             "15–17 Jahre, nicht mehr vollzeitschulpflichtig", "Petra Hoffmann",
             "eltern.hoffmann@demo.taschengeld.de"),
    DemoTeen("tim.schneider@demo.taschengeld.de", "Tim", "Schneider", 19, False, "52351", 15,
             ("digital", "tutoring", "carrying", "garden"),
             ((0, time(14), time(20)), (4, time(14), time(20)), (6, time(10), time(16))),
             "18–20 Jahre (volljährig)"),
]


@dataclass(frozen=True)
class DemoJob:
    provider: str  # first name of a demo provider
    category: str
    title: str
    description: str
    weekday: int | None  # the next such weekday (Monday 0); None: a flexible week
    start: time | None
    minutes: int
    fits: str  # which demo teen can take it (documentation for the reader of this file)


# Open jobs of every category, each placed so that at least one demo teen may and can take it.
JOBS = [
    DemoJob("Hildegard", "garden", "Laub rechen im Vorgarten", "Rechen und Säcke sind da.", 5, time(10, 30),
            90, "Mia, Jonas"),
    DemoJob("Hildegard", "pets", "Mit Bello Gassi gehen", "Ein ruhiger Dackel, eine Runde im Park.", 2,
            time(15, 30), 60, "Mia"),
    DemoJob("Gisela", "shopping", "Wocheneinkauf erledigen", "Einkaufszettel und Geld liegen bereit.", 0,
            time(17, 30), 60, "Lea"),
    DemoJob("Gisela", "household", "Fenster innen putzen", "Drei Fenster im Erdgeschoss, ohne Leiter.", 5,
            time(9), 120, "Lea"),
    DemoJob("Heinz", "digital", "Neues Handy einrichten", "WhatsApp und Fotos vom alten Handy übertragen.", 3,
            time(16), 60, "Jonas"),
    DemoJob("Gisela", "company", "Vorlesen am Nachmittag", "Aus der Zeitung oder einem Roman vorlesen.", None,
            None, 60, "Lea"),
    DemoJob("Hildegard", "tutoring", "Mathe-Nachhilfe für den Enkel", "7. Klasse, Bruchrechnung.", 4,
            time(15), 90, "Tim"),
    DemoJob("Heinz", "babysitting", "Babysitten am Sonntag", "Zwei Kinder (6 und 8), die Eltern sind im Haus.",
            6, time(11), 120, "Tim"),
    DemoJob("Gisela", "carrying", "Getränkekisten in den Keller tragen", "Sechs Kisten Wasser.", 5, time(10),
            60, "Lea"),
]


def _birth_date(age: int, today: date) -> date:
    """Born `age` years and two months ago, so the teen keeps her legal class for ten months."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - timedelta(days=61)


class Command(BaseCommand):
    help = "Lädt die Demo-Börse Kreis Düren mit Demo-Konten (nur mit DEBUG)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("Demodaten werden nur mit DEBUG geladen: Die Demo-Konten haben ein "
                  "veröffentlichtes Passwort und gehören nicht in einen Produktivbetrieb.")
            )
        with transaction.atomic():
            save_postcodes(read_postcodes(POSTCODES_FIXTURE))
            exchange = self._exchange()
            self._account(OPERATOR_EMAIL, Role.OPERATOR, superuser=True)
            coordinator = self._coordinator(exchange)
            logins = [(_("Administration"), "", OPERATOR_EMAIL),
                      (_("Koordination"), "", COORDINATOR_EMAIL)]
            for demo in PROVIDERS:
                self._provider(exchange, coordinator, demo)
                if demo.email:
                    logins.append((_("Auftraggeber/in"), f"{demo.first_name} {demo.last_name}",
                                   demo.email))
            for demo in TEENS:
                self._teen(exchange, coordinator, demo)
                logins.append((_("Jugendliche/r"), f"{demo.first_name}, {demo.legal_class}",
                               demo.email))
            for demo in JOBS:
                self._job(exchange, coordinator, demo)
        self._print_logins(exchange, logins)

    # --- pieces -----------------------------------------------------------------------------

    def _exchange(self) -> Exchange:
        exchange = Exchange.objects.filter(slug=EXCHANGE["slug"]).first()
        if exchange is None:
            exchange = exchange_create(
                **EXCHANGE, postcodes=[p.code for p in read_postcodes(POSTCODES_FIXTURE)]
            )
        return exchange

    def _account(self, email: str, role: str, *, superuser: bool = False) -> tuple[User, bool]:
        """A demo login with a verified address; created only when missing."""
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user, False
        if superuser:
            user = User.objects.create_superuser(email=email, password=settings.DEMO_PASSWORD)
        else:
            user = User.objects.create_user(email=email, password=settings.DEMO_PASSWORD, role=role)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user, True

    def _coordinator(self, exchange: Exchange) -> User:
        known = User.objects.filter(email=COORDINATOR_EMAIL).exists()
        # For a known account the service only makes sure of the membership; passing the
        # password again would rehash it on every run.
        return coordinator_create(
            email=COORDINATOR_EMAIL, password=None if known else settings.DEMO_PASSWORD,
            exchanges=[exchange], can_manage_settings=True,
        )

    def _provider(self, exchange: Exchange, coordinator: User, demo: DemoProvider) -> None:
        data = {"first_name": demo.first_name, "last_name": demo.last_name, "street": demo.street,
                "postcode": demo.postcode, "city": demo.city, "phone": demo.phone,
                "contact_preference": demo.contact_preference}
        if not demo.email:
            if not ProviderProfile.objects.filter(
                exchange=exchange, user__isnull=True, first_name=demo.first_name,
                last_name=demo.last_name,
            ).exists():
                provider_create_by_coordinator(exchange=exchange, by=coordinator, data=data)
            return
        user, created = self._account(demo.email, Role.PROVIDER)
        if not created:
            return
        # Self-service registration, then the coordinator's vetting, as in real life.
        profile = ProviderProfile.objects.create(user=user)
        profile = provider_profile_update(
            profile=profile, data={**data, "private_person_confirmed": True}, by=user
        )
        provider_vet(profile=profile, by=coordinator, decision="activate")

    def _teen(self, exchange: Exchange, coordinator: User, demo: DemoTeen) -> None:
        user, created = self._account(demo.email, Role.TEEN)
        if not created:
            return
        today = timezone.localdate()
        slots = [Slot(weekday=d, start=s, end=e) for d, s, e in demo.availability]
        validate_availability(slots)
        # Written directly rather than through teen_profile_update, which would e-mail the
        # (invented) parents a consent link; the consent is recorded on paper below instead.
        teen = TeenProfile.objects.create(
            user=user, exchange=exchange, first_name=demo.first_name, last_name=demo.last_name,
            birth_date=_birth_date(demo.age, today), in_compulsory_school=demo.in_compulsory_school,
            postcode_id=demo.postcode, radius_km=demo.radius_km, parent_name=demo.parent_name,
            parent_email=demo.parent_email, status=TeenStatus.INTAKE_PENDING,
        )
        teen.interests.set(Category.objects.filter(exchange=exchange, slug__in=demo.interests))
        AvailabilitySlot.objects.bulk_create(
            [AvailabilitySlot(teen=teen, weekday=s.weekday, start=s.start, end=s.end) for s in slots]
        )
        # The coordinator's decision checks every requirement of the policy (age, complete
        # profile, parental consent for minors, intake talk), so the demo teens are valid.
        teen_verify(teen=teen, by=coordinator, decision=Decision.ACTIVATE,
                    intake_on=today - timedelta(days=7), paper_consent=teen.is_minor)

    def _job(self, exchange: Exchange, coordinator: User, demo: DemoJob) -> None:
        """An open demo job, entered by the coordinator for the provider (as after a phone call,
        so it is published at once); only when no live job of that title exists, so a second
        run the same day changes nothing and a later run replaces jobs that have expired."""
        from marketplace.models import Job, JobStatus
        from marketplace.services.jobs import job_create

        live = (JobStatus.REVIEW, JobStatus.OPEN, JobStatus.FILLED)
        if Job.objects.filter(exchange=exchange, title=demo.title, status__in=live).exists():
            return
        provider = ProviderProfile.objects.get(exchange=exchange, first_name=demo.provider)
        today = timezone.localdate()
        data = {"category": demo.category, "title": demo.title, "description": demo.description,
                "hourly_rate": exchange.policy.recommended_hourly_rate, "helpers_needed": 1}
        if demo.weekday is None:
            data.update(window_start=today + timedelta(days=1), window_end=today + timedelta(days=7),
                        duration_minutes=demo.minutes)
        else:
            day = today + timedelta(days=(demo.weekday - today.weekday() - 1) % 7 + 1)
            starts_at = timezone.make_aware(datetime.combine(day, demo.start))
            data.update(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=demo.minutes))
        job_create(provider=provider, by=coordinator, data=data)

    def _print_logins(self, exchange: Exchange, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS(
            _("Demo-Börse „%(name)s“ (%(slug)s) mit %(count)s Postleitzahlen bereit.")
            % {"name": exchange.name, "slug": exchange.slug, "count": exchange.postcodes.count()}
        ))
        self.stdout.write(_("Demo-Anmeldungen (Passwort für alle: %(password)s):")
                          % {"password": settings.DEMO_PASSWORD})
        width = max(len(role) for role, _who, _email in logins)
        for role, who, email in logins:
            self.stdout.write(f"  {role:<{width}}  {email}" + (f"  ({who})" if who else ""))
        for demo in PROVIDERS:
            if not demo.email:
                self.stdout.write(
                    _("Ohne Konto, telefonisch über die Koordination: %(name)s, %(city)s")
                    % {"name": f"{demo.first_name} {demo.last_name}", "city": demo.city}
                )
