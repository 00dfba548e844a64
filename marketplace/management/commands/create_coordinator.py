"""`manage.py create_coordinator --email E --exchange SLUG [--exchange SLUG2] [--password P]`

Creates a coordinator account, or adds exchanges to an existing one. Without `--password` the
password is asked for at the terminal; a script without a terminal must pass it.
"""

import argparse
import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from marketplace.models import Exchange
from marketplace.services.exchanges import coordinator_create


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Legt ein Konto für die Koordination an oder fügt einem bestehenden weitere Börsen hinzu."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="E-Mail-Adresse (Anmeldename)")
        parser.add_argument(
            "--exchange", required=True, action="append", dest="exchanges", metavar="SLUG",
            help="Kürzel der Börse; mehrfach angeben für mehrere Börsen",
        )
        parser.add_argument("--password", help="Passwort; ohne Angabe wird es abgefragt")
        parser.add_argument(
            "--settings-right", action=argparse.BooleanOptionalAction, default=None, dest="can_manage_settings",
            help="darf Regeln, Kategorien, Kontaktdaten und Ferien der Börse ändern (Vorgabe: nein; "
                 "ohne Angabe bleibt es bei einem bestehenden Konto, wie es ist)",
        )

    def handle(self, *args, email, exchanges, password, can_manage_settings=None, **options):
        email = email.strip().lower()
        slugs = list(dict.fromkeys(exchanges))
        found = {e.slug: e for e in Exchange.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            known = ", ".join(Exchange.objects.values_list("slug", flat=True)) or "–"
            raise CommandError(
                _("Unbekannte Börse: %(unknown)s. Vorhanden: %(known)s")
                % {"unknown": ", ".join(unknown), "known": known}
            )

        existing = User.objects.filter(email__iexact=email).first()
        if password is None and existing is None:
            password = self._ask_password()
        if password is not None:
            try:
                validate_password(password, user=existing or User(email=email))
            except ValidationError as exc:
                raise CommandError(_messages(exc)) from None

        try:
            user = coordinator_create(
                email=email, password=password, exchanges=[found[s] for s in slugs],
                can_manage_settings=can_manage_settings,
            )
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None
        names = ", ".join(found[s].name for s in slugs)
        verb = _("aktualisiert") if existing else _("angelegt")
        self.stdout.write(self.style.SUCCESS(
            _("Koordination %(email)s %(verb)s für: %(names)s") % {"email": user.email, "verb": verb,
                                                                  "names": names}
        ))

    def _ask_password(self) -> str:
        # Never wait for input that cannot come (cron, CI, a pipe): fail with a clear message.
        if not sys.stdin.isatty():
            raise CommandError(
                _("Kein Passwort angegeben und keine Eingabe möglich: bitte --password verwenden.")
            )
        first = getpass.getpass(_("Passwort: "))
        second = getpass.getpass(_("Passwort (wiederholen): "))
        if first != second:
            raise CommandError(_("Die Passwörter stimmen nicht überein."))
        if not first:
            raise CommandError(_("Das Passwort darf nicht leer sein."))
        return first
