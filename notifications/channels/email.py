"""E-mail through Django's mail framework (SMTP or any backend set by EMAIL_URL).

A worker process keeps one connection to the mail server and sends every message over it:
opening an SMTP session (connect, EHLO, maybe STARTTLS and AUTH, QUIT) costs more round trips
than the message itself. A connection idle for longer than servers commonly keep one open is
replaced before use, and any error drops it, so the next message starts on a fresh one.
"""

import os
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from . import PermanentError, TemporaryError

IDLE_SECONDS = 30
# Django waits for a silent mail server forever unless EMAIL_TIMEOUT is set; a worker must not
# (a hung server would hold it until the task's time limit): give up and retry later.
DEFAULT_TIMEOUT_SECONDS = 30
# One per thread: a connection must never carry two conversations at once (threaded pools).
_local = threading.local()


def _settings_key() -> tuple:
    return (os.getpid(), settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT,
            settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL)


def _connection():
    """The open connection of this thread, opened now if there is none or it is unusable."""
    key, now = _settings_key(), time.monotonic()
    held = getattr(_local, "held", None)
    if held is not None and (held["key"] != key or now - held["used"] > IDLE_SECONDS):
        close()
        held = None
    if held is None:
        backend = get_connection(fail_silently=False,
                                 timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT_SECONDS)
        backend.open()
        held = _local.held = {"key": key, "backend": backend, "used": now}
    return held["backend"]


def close() -> None:
    """Close this thread's connection (after an error, at worker shutdown). A connection
    inherited through fork belongs to the parent process and is only forgotten."""
    held = getattr(_local, "held", None)
    _local.held = None
    if held is None or held["key"][0] != os.getpid():
        return
    try:
        held["backend"].close()
    except Exception:  # noqa: BLE001, S110 - the connection is being thrown away anyway
        pass


def _permanent(exc: smtplib.SMTPRecipientsRefused) -> bool:
    """A refusal is final only if every recipient was refused with a 5xx code; a 4xx (greylisting,
    a full mailbox, a rate limit) asks us to come back later."""
    codes = [code for code, _message in exc.recipients.values()]
    return bool(codes) and all(code >= 500 for code in codes)


def send(notification) -> None:
    from ..texts import render

    if not notification.recipient_email:
        raise PermanentError("no e-mail address")
    subject, text, html = render(notification, "email")
    try:
        connection = _connection()
        message = EmailMultiAlternatives(subject=subject, body=text, to=[notification.recipient_email],
                                         headers={"X-Notification-Key": notification.key},
                                         connection=connection)
        if html:
            message.attach_alternative(html, "text/html")
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        close()
        if _permanent(exc):
            raise PermanentError(f"recipient refused: {exc}") from exc
        raise TemporaryError(f"recipient deferred: {exc}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        close()
        raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
    except BaseException:
        close()
        raise
    _local.held["used"] = time.monotonic()
