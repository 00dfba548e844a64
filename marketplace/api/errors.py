"""Errors in the contract's shape: `{"detail": "...", "errors": {field: [messages]}}`.

400 names the field, 404 hides what the caller must not know exists, 403 a forbidden action,
409 a conflict with the object's state. Django's ValidationError from a service becomes a 400
and `Conflict` a 409, so views never translate errors by hand.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services.errors import Conflict


def _flatten(value, prefix="") -> list[str]:
    """DRF nests errors of list items ([{}, {"start": [...]}]); the contract wants a flat list
    of messages per top-level field, so nested ones say where they are ("2. start: ...")."""
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            label = f"{prefix}{key}: " if key != "non_field_errors" else prefix
            out.extend(_flatten(inner, label))
        return out
    if isinstance(value, list):
        out = []
        for index, inner in enumerate(value):
            if isinstance(inner, (dict, list)):
                out.extend(_flatten(inner, f"{prefix}{index + 1}. "))
            else:
                out.append(f"{prefix}{inner}")
        return out
    return [f"{prefix}{value}"]


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(field): _flatten(messages) for field, messages in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": _("Die Eingaben sind ungültig."), "errors": errors},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message, "errors": {}}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Nicht gefunden."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        response.data = {"detail": _("Die Eingaben sind ungültig."), "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": str(detail), "errors": {}}
    return response
