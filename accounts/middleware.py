from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from .models import Role


class UserLanguageMiddleware:
    """A signed-in user reads the site in the language of her account unless she switched it
    for this session with the language selector."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "django_language" not in request.COOKIES:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class CoordinatorMFAMiddleware:
    """Where REQUIRE_COORDINATOR_MFA is on (production), a coordinator without TOTP can reach
    only the pages to set it up and to log out: coordinators see minors' data."""

    ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_COORDINATOR_MFA
            and user is not None
            and user.is_authenticated
            and user.role in (Role.COORDINATOR, Role.OPERATOR)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            if request.path.startswith(("/api/", "/_allauth/")):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "Zwei-Faktor-Authentifizierung ist für die Koordination "
                     "vorgeschrieben. Bitte richten Sie sie im Web ein.", "errors": {}},
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class GermanFirstLocaleMiddleware:
    """German unless the person chose otherwise. Django's LocaleMiddleware would follow the
    browser's Accept-Language, so a senior on a borrowed English-language tablet would get
    English; here only the language switch (cookie) or the account's language change it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
