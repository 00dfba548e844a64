from accounts.models import Role

from .selectors import coordination_counts, unread_count


def _once(function):
    """A callable that computes its value on first use and then remembers it: templates call
    it, so a page that does not show the value costs no query, and one that shows it twice
    costs one."""
    cache = []

    def value():
        if not cache:
            cache.append(function())
        return cache[0]

    return value


def notifications(request):
    """The unread count for the navigation (one indexed COUNT, only when the page shows it) and,
    for coordinators, the open call tasks and failed messages of their exchanges."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_notifications": _once(lambda: unread_count(user=user))}
    if user.role == Role.COORDINATOR:
        context["notification_counts"] = _once(lambda: coordination_counts(user=user))
    return context
