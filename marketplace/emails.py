"""Rendering and sending of the marketplace's e-mails (plain text and HTML, in the recipient's
language). Only workers call `send`; a web request never sends mail itself."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send(*, template: str, to: str, context: dict, language: str = "de") -> None:
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
