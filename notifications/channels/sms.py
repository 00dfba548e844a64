"""SMS through a pluggable backend (`SMS_BACKEND`, a dotted path to a callable
`send(phone, text)`). The default logs that a message went out, never its text or number."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from . import PermanentError

logger = logging.getLogger(__name__)


def log_backend(phone: str, text: str) -> None:
    logger.info("SMS sent (%s characters)", len(text))


def send(notification) -> None:
    from ..texts import render

    if not notification.recipient_phone:
        raise PermanentError("no phone number")
    _subject, text, _html = render(notification, "sms")
    backend = import_string(getattr(settings, "SMS_BACKEND", "notifications.channels.sms.log_backend"))
    backend(notification.recipient_phone, text)
