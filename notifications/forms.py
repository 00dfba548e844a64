"""The preferences form: a checkbox per kind and channel that a person may choose.

What may be chosen follows from how the marketplace reaches each role (marketplace/notify.py):
- a teen gets e-mail and the inbox by default and SMS only where she switched it on, also for
  the messages she cannot switch off (an acceptance by SMS as well as by e-mail);
- the daily digest is e-mail only, and only for those who ask for it;
- a provider is reached the way her profile says (e-mail, SMS, call); here she can only switch
  off the optional kinds on those channels;
- a coordinator gets e-mail and the inbox.
A message that must arrive (a mandatory kind) is never switched off on e-mail or the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Channel, Preference
from .texts import KINDS

# Which kinds concern which role, so that a senior is not asked about job offers and a teen not
# about applications to her job. A parent has no account.
KINDS_BY_ROLE = {
    Role.TEEN: ["job.new_fitting", "job.digest", "application.accepted", "application.declined",
                "application.closed", "job.changed", "job.cancelled", "assignment.reminder",
                "assignment.cancelled", "feedback.requested", "verification.consent_given",
                "verification.activated", "broadcast"],
    Role.PROVIDER: ["application.new", "application.accepted", "job.changed", "job.cancelled",
                    "assignment.reminder", "assignment.cancelled", "feedback.requested", "broadcast"],
    Role.COORDINATOR: ["coordination.unfilled_job", "coordination.incident", "broadcast"],
}
DIGEST = "job.digest"


@dataclass(frozen=True)
class Cell:
    kind: str
    channel: str
    default: bool  # what holds while nothing is stored

    @property
    def name(self) -> str:
        return field_name(self.kind, self.channel)


def field_name(kind: str, channel: str) -> str:
    return f"{kind.replace('.', '-')}--{channel}"


def kinds_for(user) -> list[str]:
    return [kind for kind in KINDS_BY_ROLE.get(user.role, list(KINDS)) if kind in KINDS]


def cells_for(user, kind: str) -> list[Cell]:
    """The channels of `kind` that `user` may choose, with their defaults."""
    optional = KINDS[kind].optional
    if user.role == Role.TEEN:
        if kind == DIGEST:
            return [Cell(kind, Channel.EMAIL, False)]
        sms = [Cell(kind, Channel.SMS, False)]
        return [Cell(kind, Channel.EMAIL, True), Cell(kind, Channel.INAPP, True), *sms] if optional else sms
    if not optional:
        return []
    if user.role == Role.PROVIDER:
        return [Cell(kind, Channel.EMAIL, True), Cell(kind, Channel.INAPP, True), Cell(kind, Channel.SMS, True)]
    return [Cell(kind, Channel.EMAIL, True), Cell(kind, Channel.INAPP, True)]


def _label(cell: Cell):
    if not KINDS[cell.kind].optional and cell.channel == Channel.SMS:
        return _("Zusätzlich per SMS")
    return Channel(cell.channel).label


class PreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = kinds_for(user)
        stored = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user, kind__in=kinds)}
        self.cells: list[Cell] = []
        self._groups = []
        for kind in kinds:
            cells = cells_for(user, kind)
            for cell in cells:
                self.fields[cell.name] = forms.BooleanField(
                    label=_label(cell), required=False, initial=stored.get((kind, cell.channel), cell.default))
            self.cells += cells
            self._groups.append({"kind": kind, "label": KINDS[kind].label, "optional": KINDS[kind].optional,
                                 "names": [cell.name for cell in cells]})

    def _bound(self, groups):
        return [{**g, "fields": [self[name] for name in g["names"]]} for g in groups]

    def optional_groups(self):
        return self._bound(g for g in self._groups if g["optional"])

    def fixed_groups(self):
        """The kinds that always come; for a teen each with its SMS switch."""
        return self._bound(g for g in self._groups if not g["optional"])

    def choices(self) -> dict[tuple[str, str], bool]:
        """{(kind, channel): enabled} for every cell on the form."""
        return {(cell.kind, cell.channel): bool(self.cleaned_data.get(cell.name)) for cell in self.cells}
