from django.conf import settings

from accounts.models import Role


def navigation(request):
    """Role-aware navigation for the base template."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {
        "nav_role": role,
        "is_teen": role == Role.TEEN,
        "is_provider": role == Role.PROVIDER,
        "is_coordinator": role == Role.COORDINATOR,
        "is_operator": role == Role.OPERATOR or bool(user is not None and user.is_authenticated and user.is_superuser),
    }


def site(request):
    """Facts every page shows in its footer. No database query: this runs on every page."""
    return {"GEONAMES_CREDIT": settings.GEONAMES_CREDIT}
