"""What the notifications app stores about a person, for export and deletion (accounts.services).
Her own outbox rows and preferences; when she is deleted they go with her account (cascade),
when she is anonymised her address and name leave the rows that others' records keep."""

from django.db.models import Q

from accounts.services import DataContributor

from .models import Notification, Preference


def export(user) -> dict:
    return {
        "notifications": [
            {"kind": n.kind, "channel": n.channel, "status": n.status, "created_at": n.created_at.isoformat(),
             "sent_at": n.sent_at.isoformat() if n.sent_at else None,
             "read_at": n.read_at.isoformat() if n.read_at else None}
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ],
        "preferences": [
            {"kind": p.kind, "channel": p.channel, "enabled": p.enabled}
            for p in Preference.objects.filter(user=user).order_by("kind", "channel")
        ],
    }


def has_history(user) -> bool:
    return False  # nothing of anybody else's depends on her messages


def anonymise(user) -> None:
    Notification.objects.filter(Q(user=user) | Q(recipient_email__iexact=user.email)).update(
        recipient_name="", recipient_email="", recipient_phone="", context={})
    Preference.objects.filter(user=user).delete()


contributor = DataContributor(name="notifications", export=export, has_history=has_history, anonymise=anonymise)
