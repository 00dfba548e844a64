"""Account-level services: the audit log and the data rights (export, deletion).

Apps that store personal data register a `DataContributor` (see `data_rights_register`), so
this lowest layer can export and erase everything without importing the apps above it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, User


def audit_log(
    *,
    actor: User | None,
    action: str,
    target: Any = None,
    exchange_id: int | None = None,
    subject_user_id: int | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Record one fact (`marketplace.teen.activated`, who, on what). Never log free text that
    holds more personal data than the decision needs."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        exchange_id=exchange_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        subject_user_id=subject_user_id,
        data=data or {},
    )


@dataclass(frozen=True)
class DataContributor:
    """What one app stores about a user: how to export it, whether other people's records
    depend on it (then it is anonymised, not deleted), and how to anonymise it."""

    name: str
    export: Callable[[User], Any]
    has_history: Callable[[User], bool]
    anonymise: Callable[[User], None]


_contributors: dict[str, DataContributor] = {}


def data_rights_register(contributor: DataContributor) -> None:
    _contributors[contributor.name] = contributor


def user_export(*, user: User) -> dict:
    """Everything stored about `user`, as JSON-serialisable data (Art. 15/20 DSGVO)."""
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "role": user.role,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        },
    }
    for name, contributor in sorted(_contributors.items()):
        data[name] = contributor.export(user)
    return data


def user_has_history(*, user: User) -> bool:
    return any(c.has_history(user) for c in _contributors.values())


@transaction.atomic
def user_delete(*, user: User, by: User | None = None) -> str:
    """Delete `user`. Where other people's records refer to her (a verification, a match),
    her personal data is anonymised and the rows stay, so the other side's history is intact.
    Returns "deleted" or "anonymised"."""
    user_id = user.pk
    if not user_has_history(user=user):
        audit_log(actor=None, action="accounts.user.deleted", subject_user_id=user_id)
        _end_sessions(user)
        user.delete()
        return "deleted"
    for contributor in _contributors.values():
        contributor.anonymise(user)
    user_anonymise(user=user)
    audit_log(
        actor=by if by is not None and by.pk != user_id else None,
        action="accounts.user.anonymised",
        subject_user_id=user_id,
    )
    return "anonymised"


def user_anonymise(*, user: User) -> None:
    """Strip the account itself of personal data and make it unusable for logging in."""
    _end_sessions(user)
    EmailAddress.objects.filter(user=user).delete()
    user.authenticator_set.all().delete()
    user.email = f"anonym-{user.pk}-{secrets.token_hex(4)}@anonymisiert.invalid"
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.anonymised_at = timezone.now()
    user.save()


def _end_sessions(user: User) -> None:
    # Sessions store the user id only inside the encoded data; scanning is fine for the rare
    # deletion and keeps a deleted person from staying logged in anywhere.
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            # Through the session engine, so a cached copy (cached_db) goes too.
            store(session_key=session.session_key).delete()
