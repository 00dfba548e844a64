"""`manage.py import_postcodes PATH`: load the postcode gazetteer from a GeoNames CSV.

Re-running it with a newer file updates the postcodes in place; nothing is duplicated.
"""

import time

from django.core.management.base import BaseCommand

from marketplace.models import Postcode

from ._postcodes import read_postcodes, save_postcodes


class Command(BaseCommand):
    help = (
        "Importiert Postleitzahlen mit Mittelpunkt aus einer GeoNames-CSV-Datei "
        "(Format von postcodes-de.csv). Daten: GeoNames (www.geonames.org), CC BY 4.0."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV-Datei, z. B. ../shared/data/postcodes-de.csv")

    def handle(self, *args, path, **options):
        started = time.monotonic()
        before = Postcode.objects.count()
        postcodes = read_postcodes(path)
        save_postcodes(postcodes)
        created = Postcode.objects.count() - before
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"{len(postcodes)} Postleitzahlen importiert ({created} neu, "
            f"{len(postcodes) - created} aktualisiert) in {elapsed:.1f} s."
        ))
