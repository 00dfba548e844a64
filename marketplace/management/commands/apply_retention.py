"""`manage.py apply_retention`: anonymise teens past their exchange's upper age and accounts
inactive longer than the exchange's period (DESIGN section 8). Safe to run daily."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.services.retention import teens_apply_retention


class Command(BaseCommand):
    help = (
        "Anonymisiert Jugendliche über der Altersgrenze ihrer Börse und Konten, die länger als "
        "die Frist der Börse nicht genutzt wurden."
    )

    def handle(self, *args, **options):
        counts = teens_apply_retention(now=timezone.now())
        # Only counts: the command's output ends up in logs, which must hold no personal data.
        self.stdout.write(self.style.SUCCESS(
            _("Altersgrenze überschritten: %(aged_out)s, inaktive Jugendliche: %(inactive)s, "
              "inaktive Auftraggeber: %(providers_inactive)s") % counts
        ))
