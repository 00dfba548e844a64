"""The outbox: every notification is a row first, then sent by a worker, then marked.

Rows are written in the transaction of the change they report, so a change and its
notifications exist together or not at all; the send is enqueued after commit, and a sweep
re-enqueues what no worker picked up (for example because the broker was down at commit).
The notifications app imports no marketplace model: callers hand it recipients and a plain
context (DESIGN section 9).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-Mail")
    INAPP = "inapp", _("Nachricht im Konto")
    SMS = "sms", _("SMS")
    CALL = "call", _("Anruf durch die Koordination")


class Status(models.TextChoices):
    PENDING = "pending", _("wartet")
    SENDING = "sending", _("wird gesendet")
    SENT = "sent", _("gesendet")
    FAILED = "failed", _("fehlgeschlagen")
    CANCELLED = "cancelled", _("verworfen")


class Notification(models.Model):
    # A person with an account, or only an address (a parent, a provider reached by phone).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications")
    recipient_name = models.CharField(max_length=120, blank=True)
    recipient_email = models.EmailField(blank=True)
    recipient_phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=5, default="de")
    # Quiet hours (no SMS or call at night) apply to recipients under 18.
    recipient_is_minor = models.BooleanField(default=False)
    exchange_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    kind = models.CharField(_("Anlass"), max_length=60, db_index=True)
    channel = models.CharField(_("Weg"), max_length=10, choices=Channel.choices)
    context = models.JSONField(default=dict, blank=True)
    # One row per recipient, event and channel: the same event can never be sent twice.
    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    not_before = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Call tasks: ticked off by a coordinator when she has phoned.
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "channel", "read_at"], name="notification_inbox_idx")]

    def __str__(self):
        return f"{self.kind} → {self.channel} ({self.status})"


class Preference(models.Model):
    """A person's choice for one kind of notification on one channel (absent = the default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("Benachrichtigungswunsch")
        verbose_name_plural = _("Benachrichtigungswünsche")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="one_preference_per_kind")]

    def __str__(self):
        return f"{self.user_id} {self.kind}/{self.channel}: {self.enabled}"
