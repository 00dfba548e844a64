"""The in-app inbox: the row itself is the message; sending only marks it delivered."""

from . import PermanentError


def send(notification) -> None:
    if not notification.user_id:
        raise PermanentError("no account for an in-app message")
