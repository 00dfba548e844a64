from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Everyone lands on the dashboard, which sends a new teen or provider to her profile.
        return reverse("dashboard")

    def get_email_verification_redirect_url(self, email_address):
        return reverse("dashboard")

    def build_absolute_uri(self, request, location, protocol=None):
        # Links in e-mails written by a Celery worker have no request: use SITE_URL.
        if request is None:
            return settings.SITE_URL + location
        return super().build_absolute_uri(request, location, protocol)
