"""Blocked pairs: a teen and a provider who must not be matched again (DESIGN section 6).

The matching engine honours every BlockedPair (`matching_adapter.teens_to_engine`): a blocked
teen neither sees the provider's jobs in her feed nor appears among their candidates. What the
engine cannot undo is an application she sent before: blocking closes those too.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log

from ..models import Application, ApplicationStatus, BlockedPair, ProviderProfile, TeenProfile
from ..selectors import is_coordinator_of
from .errors import Conflict

REASON_MAX_LENGTH = 300



@transaction.atomic
def blocked_pair_create(*, teen: TeenProfile, provider: ProviderProfile, by: User, reason: str) -> BlockedPair:
    """Block the pair and close the teen's pending applications to the provider's jobs."""
    reason = (reason or "").strip()
    if not is_coordinator_of(user=by, exchange_id=teen.exchange_id):
        raise Conflict(_("Nur die Koordination dieser Börse kann Paare sperren."))
    if provider.exchange_id != teen.exchange_id:
        raise Conflict(_("Die beiden gehören zu verschiedenen Börsen."))
    if not reason:
        raise ValidationError({"reason": [_("Bitte eine Begründung angeben.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [_("Die Begründung darf höchstens %(n)s Zeichen lang sein.")
                                          % {"n": REASON_MAX_LENGTH}]})
    duplicate = _("%(teen)s und %(provider)s sind bereits gesperrt.") % {
        "teen": teen.first_name, "provider": f"{provider.first_name} {provider.last_name}".strip()}
    if BlockedPair.objects.filter(teen=teen, provider=provider).exists():
        raise Conflict(duplicate)
    try:
        with transaction.atomic():  # a savepoint: a racing duplicate leaves the caller's transaction usable
            pair = BlockedPair.objects.create(exchange_id=teen.exchange_id, teen=teen, provider=provider,
                                              reason=reason, created_by=by)
    except IntegrityError:
        raise Conflict(duplicate) from None
    closed = list(Application.objects.select_for_update(of=("self",))
                  .filter(teen=teen, job__provider=provider, status=ApplicationStatus.PENDING)
                  .values_list("pk", flat=True))
    Application.objects.filter(pk__in=closed, status=ApplicationStatus.PENDING).update(
        status=ApplicationStatus.CLOSED, decided_at=timezone.now(), decided_by=by)
    audit_log(actor=by, action="marketplace.blocked_pair.created", target=pair, exchange_id=pair.exchange_id,
              subject_user_id=teen.user_id,
              data={"teen_id": teen.pk, "provider_id": provider.pk, "reason": reason,
                    "applications_closed": closed})
    return pair


@transaction.atomic
def blocked_pair_delete(*, pair: BlockedPair, by: User) -> None:
    """Lift a block; the two may be matched again. Closed applications stay closed."""
    pair = BlockedPair.objects.select_for_update().filter(pk=pair.pk).first()
    if pair is None:
        raise Conflict(_("Diese Sperre gibt es nicht mehr."))
    if not is_coordinator_of(user=by, exchange_id=pair.exchange_id):
        raise Conflict(_("Nur die Koordination dieser Börse kann Sperren aufheben."))
    data = {"teen_id": pair.teen_id, "provider_id": pair.provider_id}
    subject = TeenProfile.objects.filter(pk=pair.teen_id).values_list("user_id", flat=True).first()
    exchange_id = pair.exchange_id
    audit_log(actor=by, action="marketplace.blocked_pair.deleted", target=pair, exchange_id=exchange_id,
              subject_user_id=subject, data=data)
    pair.delete()
