"""Exchanges (tenants), their policy, the postcode gazetteer and the role profiles.

Every row that belongs to a person or a job carries its exchange, so that every query can be
scoped by exchange and nothing crosses from one exchange to another.
"""

from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching import rules


class Postcode(models.Model):
    """One German postcode with the centroid of its places (GeoNames, CC BY 4.0)."""

    code = models.CharField(_("Postleitzahl"), max_length=5, primary_key=True)
    place = models.CharField(_("Ort"), max_length=120)
    community = models.CharField(_("Kreis"), max_length=120, blank=True)
    community_code = models.CharField(_("Kreisschlüssel"), max_length=10, blank=True)
    state = models.CharField(_("Bundesland"), max_length=60, blank=True)
    latitude = models.FloatField(_("Breitengrad"))
    longitude = models.FloatField(_("Längengrad"))

    class Meta:
        verbose_name = _("Postleitzahl")
        verbose_name_plural = _("Postleitzahlen")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.place}"


class Exchange(models.Model):
    """A Taschengeldbörse, e.g. "Taschengeldbörse Kreis Düren"."""

    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kürzel"), unique=True)
    contact_email = models.EmailField(_("Kontakt-E-Mail"), blank=True)
    contact_phone = models.CharField(_("Kontakttelefon"), max_length=40, blank=True)
    address = models.TextField(_("Anschrift"), blank=True)
    office_hours = models.TextField(_("Sprechzeiten"), blank=True)
    # Printed under the certificate ("Nachweis für Bewerbungen"), e.g. "Maria Schmitz, Koordination".
    signatory = models.CharField(_("Unterzeichnet Nachweise"), max_length=120, blank=True)
    postcodes = models.ManyToManyField(
        Postcode, through="ServiceArea", related_name="exchanges", verbose_name=_("Einzugsgebiet")
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CoordinatorMembership",
        related_name="coordinated_exchanges",
        verbose_name=_("Koordination"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Börse")
        verbose_name_plural = _("Börsen")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceArea(models.Model):
    """A postcode served by an exchange. A postcode belongs to at most one exchange, so a
    person's exchange follows from her postcode."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="service_areas")
    postcode = models.OneToOneField(Postcode, on_delete=models.CASCADE, related_name="service_area")

    class Meta:
        verbose_name = _("Einzugsgebiet")
        verbose_name_plural = _("Einzugsgebiete")

    def __str__(self):
        return f"{self.postcode_id} → {self.exchange}"


class CoordinatorMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="memberships")
    # Not every coordinator may change the policy, categories or holidays of her exchange: the
    # youth office decides who carries that responsibility (issue 6, exchange settings).
    can_manage_settings = models.BooleanField(_("darf die Einstellungen der Börse ändern"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Koordinationszugehörigkeit")
        verbose_name_plural = _("Koordinationszugehörigkeiten")
        constraints = [
            models.UniqueConstraint(fields=["user", "exchange"], name="unique_coordinator_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.exchange}"


class Policy(models.Model):
    """The rules of one exchange (DESIGN section 3). Defaults are the common German practice."""

    exchange = models.OneToOneField(Exchange, on_delete=models.CASCADE, related_name="policy")
    min_age = models.PositiveSmallIntegerField(
        _("Mindestalter"), default=14, validators=[MinValueValidator(13), MaxValueValidator(15)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("Höchstalter"), default=20, validators=[MinValueValidator(17), MaxValueValidator(21)]
    )
    min_hourly_rate = models.DecimalField(
        _("Mindeststundensatz (€)"), max_digits=5, decimal_places=2, default=Decimal("5.00")
    )
    recommended_hourly_rate = models.DecimalField(
        _("Empfohlener Stundensatz (€)"), max_digits=5, decimal_places=2, default=Decimal("8.00")
    )
    max_hours_per_day = models.DecimalField(
        _("Höchststunden pro Tag"), max_digits=4, decimal_places=2, default=Decimal("2")
    )
    max_hours_per_week = models.DecimalField(
        _("Höchststunden pro Woche"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    max_hours_per_month = models.DecimalField(
        _("Höchststunden pro Monat"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    max_hours_per_year = models.DecimalField(
        _("Höchststunden pro Jahr"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    job_approval_required = models.BooleanField(
        _("Aufträge vor Veröffentlichung prüfen"), default=True
    )
    provider_vetting_required = models.BooleanField(
        _("Auftraggeber vor Freischaltung prüfen"), default=True
    )
    intake_required = models.BooleanField(_("Kennenlerngespräch erforderlich"), default=True)
    insurance_required = models.BooleanField(
        _("Bestätigung der Haftpflicht-/Unfallversicherung erforderlich"), default=False
    )
    police_certificate_required = models.BooleanField(
        _("Führungszeugnis-Einsicht erforderlich"), default=False
    )
    earliest_start_school_days = models.TimeField(
        _("Frühester Beginn an Schultagen (Kinder)"), default=time(14, 0)
    )
    holiday_state = models.CharField(
        _("Bundesland für Feiertage"), max_length=2, default="NW",
        help_text=_("Kürzel nach ISO 3166-2:DE, z. B. NW für Nordrhein-Westfalen"),
    )
    consent_link_valid_days = models.PositiveSmallIntegerField(
        _("Gültigkeit des Einwilligungslinks (Tage)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Offers of new fitting jobs per teen and day: enough to choose from, few enough that the
    # messages are still read and the chances spread over all teens (DESIGN sections 6 and 7).
    max_job_offers_per_day = models.PositiveSmallIntegerField(
        _("Höchstens so viele Auftragsangebote pro Jugendlichem und Tag"), default=3,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
    )
    inactivity_anonymise_after_days = models.PositiveIntegerField(
        _("Anonymisierung nach Inaktivität (Tage)"), default=730,
        validators=[MinValueValidator(90)],
    )

    class Meta:
        verbose_name = _("Regeln")
        verbose_name_plural = _("Regeln")
        constraints = [
            models.CheckConstraint(condition=Q(min_age__lte=F("max_age")), name="policy_age_range"),
            models.CheckConstraint(
                condition=Q(recommended_hourly_rate__gte=F("min_hourly_rate")),
                name="policy_recommended_rate_at_least_minimum",
            ),
        ]

    def __str__(self):
        return str(_("Regeln von %(exchange)s") % {"exchange": self.exchange})


class SchoolHoliday(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="school_holidays")
    name = models.CharField(_("Bezeichnung"), max_length=80)
    start = models.DateField(_("von"))
    end = models.DateField(_("bis"))

    class Meta:
        verbose_name = _("Schulferien")
        verbose_name_plural = _("Schulferien")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="holiday_start_before_end")
        ]

    def __str__(self):
        return f"{self.name} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"


class Category(models.Model):
    """A kind of job offered by an exchange, with the minimum age and what is not allowed."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(_("Kürzel"))
    name = models.CharField(_("Bezeichnung"), max_length=80)
    min_age = models.PositiveSmallIntegerField(_("Mindestalter"), default=14)
    # § 2 KindArbSchV lists the light work children may do; only such categories are offered
    # to teens who are treated as children (DESIGN section 4).
    light_work_for_children = models.BooleanField(
        _("Leichte Arbeit nach § 2 KindArbSchV"), default=True
    )
    not_allowed = models.TextField(_("Nicht erlaubt"), blank=True)
    active = models.BooleanField(_("angeboten"), default=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Kategorie")
        verbose_name_plural = _("Kategorien")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "slug"], name="unique_category_slug")
        ]

    def __str__(self):
        return self.name


class TeenStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Profil unvollständig")
    CONSENT_PENDING = "consent_pending", _("Wartet auf Einwilligung der Eltern")
    INTAKE_PENDING = "intake_pending", _("Wartet auf Kennenlerngespräch und Freigabe")
    ACTIVE = "active", _("Aktiv")
    PAUSED = "paused", _("Pausiert")
    SUSPENDED = "suspended", _("Gesperrt")
    AGED_OUT = "aged_out", _("Altersgrenze überschritten")
    DELETED = "deleted", _("Gelöscht")


class TeenProfile(models.Model):
    """A young helper. Only what matching needs: birth date, school status, postcode (never a
    street address), radius, interests and availability (DESIGN section 8)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teen_profile"
    )
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.PROTECT, related_name="teens"
    )
    first_name = models.CharField(_("Vorname"), max_length=60, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=60, blank=True)
    birth_date = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    in_compulsory_school = models.BooleanField(_("vollzeitschulpflichtig"), default=True)
    postcode = models.ForeignKey(
        Postcode, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("Postleitzahl")
    )
    radius_km = models.PositiveSmallIntegerField(
        _("Umkreis (km)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(25)]
    )
    interests = models.ManyToManyField(
        Category, blank=True, related_name="interested_teens", verbose_name=_("Interessen")
    )
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    parent_name = models.CharField(_("Name eines Elternteils"), max_length=120, blank=True)
    parent_email = models.EmailField(_("E-Mail eines Elternteils"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=TeenStatus.choices, default=TeenStatus.INCOMPLETE,
        db_index=True,
    )
    status_reason = models.CharField(_("Begründung"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("Status geändert am"), default=timezone.now)
    intake_on = models.DateField(_("Kennenlerngespräch am"), null=True, blank=True)
    insurance_confirmed_on = models.DateField(
        _("Versicherungsnachweis bestätigt am"), null=True, blank=True
    )
    # § 72a Abs. 5 SGB VIII: only the fact of inspection, the certificate's date and whether it
    # was clean may be recorded, never its content.
    police_certificate_inspected_on = models.DateField(
        _("Führungszeugnis eingesehen am"), null=True, blank=True
    )
    police_certificate_dated = models.DateField(
        _("Führungszeugnis ausgestellt am"), null=True, blank=True
    )
    police_certificate_clean = models.BooleanField(
        _("Führungszeugnis ohne Eintrag"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Jugendliche/r")
        verbose_name_plural = _("Jugendliche")

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or f"#{self.pk}"

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        return rules.age_on(self.birth_date, day)  # the engine's count (§ 187 BGB), one definition

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_minor(self) -> bool:
        age = self.age
        return age is not None and age < 18


class AvailabilitySlot(models.Model):
    """A weekly time window in which the teen can help (Monday = 0)."""

    teen = models.ForeignKey(TeenProfile, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        _("Wochentag"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    start = models.TimeField(_("von"))
    end = models.TimeField(_("bis"))

    class Meta:
        verbose_name = _("Verfügbarkeit")
        verbose_name_plural = _("Verfügbarkeiten")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="slot_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="slot_weekday_range"),
        ]

    def __str__(self):
        return f"{self.weekday}: {self.start:%H:%M}–{self.end:%H:%M}"


class Absence(models.Model):
    teen = models.ForeignKey(TeenProfile, on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("von"))
    end = models.DateField(_("bis"))

    class Meta:
        verbose_name = _("Abwesenheit")
        verbose_name_plural = _("Abwesenheiten")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="absence_start_before_end")
        ]

    def __str__(self):
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"


class ConsentMethod(models.TextChoices):
    LINK = "link", _("per E-Mail-Link")
    PAPER = "paper", _("auf Papier (von der Koordination erfasst)")


class ParentalConsent(models.Model):
    """A request for, and the record of, a parent's consent to participation and to the
    processing of the child's data. A new request supersedes older ones; the newest given and
    not revoked consent is the one that counts."""

    teen = models.ForeignKey(TeenProfile, on_delete=models.CASCADE, related_name="consents")
    method = models.CharField(max_length=10, choices=ConsentMethod.choices, default=ConsentMethod.LINK)
    parent_name = models.CharField(_("Name des Elternteils"), max_length=120)
    parent_email = models.EmailField(_("E-Mail des Elternteils"), blank=True)
    requested_at = models.DateTimeField(_("angefragt am"), default=timezone.now)
    expires_at = models.DateTimeField(_("Link gültig bis"), null=True, blank=True)
    given_at = models.DateTimeField(_("erteilt am"), null=True, blank=True)
    signed_name = models.CharField(_("unterzeichnet von"), max_length=120, blank=True)
    participation = models.BooleanField(_("Teilnahme erlaubt"), default=False)
    data_processing = models.BooleanField(_("Datenverarbeitung erlaubt"), default=False)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)
    # The e-mails to the parent (request, confirmation) are rows of the notifications outbox,
    # which records when each was sent (`marketplace.notify`).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("erfasst von"),
    )

    class Meta:
        verbose_name = _("Einwilligung der Eltern")
        verbose_name_plural = _("Einwilligungen der Eltern")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.parent_name} → {self.teen}"

    @property
    def is_valid(self) -> bool:
        return (
            self.given_at is not None
            and self.revoked_at is None
            and self.participation
            and self.data_processing
        )


class ContactPreference(models.TextChoices):
    EMAIL = "email", _("E-Mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Telefonisch über die Koordination")
    LETTER = "letter", _("Brief")


class ProviderStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Profil unvollständig")
    PENDING = "pending", _("Wartet auf Prüfung")
    ACTIVE = "active", _("Aktiv")
    SUSPENDED = "suspended", _("Gesperrt")
    DELETED = "deleted", _("Gelöscht")


class ProviderProfile(models.Model):
    """A private person who needs help. May have no account at all when a coordinator entered
    her after a phone call; then `user` is empty and she is reached by phone or letter."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="provider_profile",
    )
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.PROTECT, related_name="providers"
    )
    first_name = models.CharField(_("Vorname"), max_length=60, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=60, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=120, blank=True)
    postcode = models.ForeignKey(
        Postcode, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("Postleitzahl")
    )
    city = models.CharField(_("Ort"), max_length=80, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    # For providers without an account the coordinator may still note an address for mail.
    email = models.EmailField(_("E-Mail"), blank=True)
    contact_preference = models.CharField(
        _("Wie möchten Sie benachrichtigt werden?"), max_length=10,
        choices=ContactPreference.choices, default=ContactPreference.EMAIL,
    )
    private_person_confirmed = models.BooleanField(
        _("Ich suche Hilfe als Privatperson, nicht für ein Gewerbe."), default=False
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=ProviderStatus.choices,
        default=ProviderStatus.INCOMPLETE, db_index=True,
    )
    status_reason = models.CharField(_("Begründung"), max_length=300, blank=True)
    vetted_at = models.DateTimeField(_("geprüft am"), null=True, blank=True)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("geprüft von"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("erfasst von"),
    )
    notes = models.TextField(_("Notiz der Koordination"), blank=True)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Auftraggeber/in")
        verbose_name_plural = _("Auftraggeber/innen")

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or f"#{self.pk}"

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user_id else self.email


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    REVIEW = "review", _("Wird geprüft")
    OPEN = "open", _("Offen")
    FILLED = "filled", _("Besetzt")
    DONE = "done", _("Erledigt")
    CANCELLED = "cancelled", _("Abgesagt")
    EXPIRED = "expired", _("Abgelaufen")
    REJECTED = "rejected", _("Abgelehnt")


class Job(models.Model):
    """A small paid job of a provider. The exact street is private: teens see only the area
    (postcode and place) until a match is confirmed; matching uses the postcode's centroid."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="jobs")
    provider = models.ForeignKey(ProviderProfile, on_delete=models.PROTECT, related_name="jobs")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="jobs",
                                 verbose_name=_("Art der Hilfe"))
    title = models.CharField(_("Kurzbeschreibung"), max_length=120)
    description = models.TextField(_("Was ist zu tun?"), blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=120)
    postcode = models.ForeignKey(Postcode, on_delete=models.PROTECT, verbose_name=_("Postleitzahl"))
    # Copied from the postcode so that the feed can select nearby jobs with one indexed range
    # query; never the geocoded street (data minimisation).
    latitude = models.FloatField()
    longitude = models.FloatField()
    radius_km = models.PositiveSmallIntegerField(
        _("Höchstens so weit dürfen Helfer entfernt wohnen (km)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(25)],
    )
    starts_at = models.DateTimeField(_("Beginn"), null=True, blank=True)
    ends_at = models.DateTimeField(_("Ende"), null=True, blank=True)
    window_start = models.DateField(_("frühestens am"), null=True, blank=True)
    window_end = models.DateField(_("spätestens am"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("Dauer (Minuten)"), null=True, blank=True)
    hourly_rate = models.DecimalField(_("Stundensatz (€)"), max_digits=5, decimal_places=2, null=True,
                                      blank=True)
    fixed_amount = models.DecimalField(_("Pauschale (€)"), max_digits=6, decimal_places=2, null=True,
                                       blank=True)
    helpers_needed = models.PositiveSmallIntegerField(
        _("Anzahl Helfer"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)])
    # Guarded by a conditional UPDATE and the check constraint below: never more accepted
    # helpers than places, also when accepts race (STYLE habit 2).
    helpers_accepted = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("Status"), max_length=12, choices=JobStatus.choices,
                              default=JobStatus.DRAFT, db_index=True)
    status_reason = models.CharField(_("Begründung"), max_length=300, blank=True)
    preferred_teen = models.ForeignKey(
        TeenProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("zuerst anbieten"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Auftrag")
        verbose_name_plural = _("Aufträge")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["exchange", "status", "latitude", "longitude"], name="job_feed_idx"),
            # The statistics count a year of jobs per exchange by the day they were posted.
            models.Index(fields=["exchange", "created_at"], name="job_stats_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(helpers_accepted__lte=F("helpers_needed")),
                                   name="job_never_overfilled"),
            models.CheckConstraint(condition=Q(helpers_needed__gte=1, helpers_needed__lte=3),
                                   name="job_helpers_1_to_3"),
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=False, ends_at__isnull=False, window_start__isnull=True)
                           | Q(starts_at__isnull=True, window_start__isnull=False, window_end__isnull=False,
                               duration_minutes__isnull=False)),
                name="job_fixed_time_or_window"),
            models.CheckConstraint(condition=Q(hourly_rate__isnull=False) | Q(fixed_amount__isnull=False),
                                   name="job_has_pay"),
        ]

    def __str__(self):
        return self.title

    @property
    def places_left(self) -> int:
        return self.helpers_needed - self.helpers_accepted


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Offen")
    ACCEPTED = "accepted", _("Angenommen")
    DECLINED = "declined", _("Abgelehnt")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")
    CLOSED = "closed", _("Geschlossen")


class Application(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    teen = models.ForeignKey(TeenProfile, on_delete=models.CASCADE, related_name="applications")
    message = models.TextField(_("Nachricht"), blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Bewerbung")
        verbose_name_plural = _("Bewerbungen")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "teen"], name="one_application_per_teen_and_job"),
        ]

    def __str__(self):
        return f"{self.teen} → {self.job}"


class AssignmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Vereinbart")
    DONE = "done", _("Erledigt")
    NO_SHOW = "no_show", _("Nicht erschienen")
    CANCELLED = "cancelled", _("Abgesagt")


class Assignment(models.Model):
    """The confirmed match. Only its two sides (and the exchange's coordinators) see each
    other's contact data and the exact address."""

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="assignments")
    teen = models.ForeignKey(TeenProfile, on_delete=models.PROTECT, related_name="assignments")
    application = models.OneToOneField(Application, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="assignment")
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.CONFIRMED, db_index=True)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    minutes_worked = models.PositiveSmallIntegerField(_("Minuten gearbeitet"), null=True, blank=True)
    amount_paid = models.DecimalField(_("bar bezahlt (€)"), max_digits=6, decimal_places=2, null=True,
                                      blank=True)
    provider_confirmed_at = models.DateTimeField(null=True, blank=True)
    teen_confirmed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(_("Begründung"), max_length=300, blank=True)
    # A no-show waits on the coordinator's "Today" page until she has followed it up.
    reviewed_at = models.DateTimeField(_("von der Koordination nachgehalten am"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Vermittlung")
        verbose_name_plural = _("Vermittlungen")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "teen"], name="one_assignment_per_teen_and_job"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="assignment_start_before_end"),
        ]

    def __str__(self):
        return f"{self.teen} @ {self.job}"


class FeedbackAuthor(models.TextChoices):
    PROVIDER = "provider", _("Auftraggeber/in")
    TEEN = "teen", _("Jugendliche/r")


class Feedback(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="feedback")
    author = models.CharField(max_length=10, choices=FeedbackAuthor.choices)
    stars = models.PositiveSmallIntegerField(_("Sterne"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("Kommentar"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    # A low rating waits on the coordinator's "Today" page until she has looked into it.
    reviewed_at = models.DateTimeField(_("von der Koordination gesehen am"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Bewertung")
        verbose_name_plural = _("Bewertungen")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "author"], name="one_feedback_per_side"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="feedback_stars_1_to_5"),
        ]

    def __str__(self):
        return f"{self.stars}★ {self.assignment}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Offen")
    CLOSED = "closed", _("Erledigt")


class Incident(models.Model):
    """A problem reported to the coordination ("Problem melden")."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="incidents")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="incidents")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    text = models.TextField(_("Was ist passiert?"), max_length=4000)
    status = models.CharField(max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    resolution = models.TextField(_("Was wurde unternommen?"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("Problemmeldung")
        verbose_name_plural = _("Problemmeldungen")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"


class BlockedPair(models.Model):
    """A teen and a provider who must not be matched again (set by a coordinator)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="blocked_pairs")
    teen = models.ForeignKey(TeenProfile, on_delete=models.CASCADE, related_name="blocked_pairs")
    provider = models.ForeignKey(ProviderProfile, on_delete=models.CASCADE, related_name="blocked_pairs")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Gesperrtes Paar")
        verbose_name_plural = _("Gesperrte Paare")
        constraints = [
            models.UniqueConstraint(fields=["teen", "provider"], name="unique_blocked_pair"),
        ]

    def __str__(self):
        return f"{self.teen} ✕ {self.provider}"


class Broadcast(models.Model):
    """A message from the coordination to all active teens of an exchange, or to those matching a
    filter. The messages themselves go through the notification outbox (kind "broadcast"); this row
    keeps what was sent, by whom and to how many, for the console and the audit."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="broadcasts")
    title = models.CharField(_("Betreff"), max_length=120)
    message = models.TextField(_("Nachricht"), max_length=2000)
    url = models.CharField(_("Link (optional)"), max_length=300, blank=True)
    # The filter as chosen: {"age_classes": [...], "postcodes": [...], "interests": [...]}.
    filters = models.JSONField(default=dict, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Rundnachricht")
        verbose_name_plural = _("Rundnachrichten")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title
