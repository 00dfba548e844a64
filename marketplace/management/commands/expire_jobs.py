from django.core.management.base import BaseCommand
from django.utils import timezone

from marketplace.services.jobs import jobs_expire


class Command(BaseCommand):
    help = "Lässt offene Aufträge ablaufen, deren Beginn ohne (genug) Helfer verstrichen ist."

    def handle(self, *args, **options):
        count = jobs_expire(now=timezone.now())
        self.stdout.write(f"{count}")
