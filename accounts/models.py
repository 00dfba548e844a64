from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEEN = "teen", _("Jugendliche/r")
    PROVIDER = "provider", _("Auftraggeber/in")
    COORDINATOR = "coordinator", _("Koordination")
    OPERATOR = "operator", _("Betrieb (Administration)")


class Language(models.TextChoices):
    DE = "de", _("Deutsch")
    EN = "en", _("Englisch")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.OPERATOR)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. One person, one role; the role profile lives in the marketplace."""

    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.TEEN)
    language = models.CharField(
        _("Sprache"), max_length=5, choices=Language.choices, default=Language.DE
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("Zugang zur Administration"), default=False)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymisiert am"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")

    def __str__(self):
        return self.email

    @property
    def is_teen(self):
        return self.role == Role.TEEN

    @property
    def is_provider(self):
        return self.role == Role.PROVIDER

    @property
    def is_coordinator(self):
        return self.role == Role.COORDINATOR


class AuditEntry(models.Model):
    """One fact about a state change or an access to personal data.

    Written by services, never edited: there is no service that updates or deletes an entry and
    the admin shows them read-only. `exchange_id` is a plain integer so that this lowest layer
    does not depend on the marketplace.
    """

    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    action = models.CharField(_("Aktion"), max_length=80, db_index=True)
    exchange_id = models.BigIntegerField(_("Börse"), null=True, blank=True, db_index=True)
    target_type = models.CharField(_("Objektart"), max_length=40, blank=True)
    target_id = models.BigIntegerField(_("Objekt-ID"), null=True, blank=True)
    # The person the action concerns (for "filter by person"); kept when that account is
    # anonymised because the entry itself must stay.
    subject_user_id = models.BigIntegerField(_("betroffenes Konto"), null=True, blank=True)
    data = models.JSONField(_("Daten"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
