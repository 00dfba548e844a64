"""Pages of the notifications: everybody's inbox and preferences, the one-click unsubscribe of
an e-mail (no login: the signed link identifies the person), and for coordinators the call list
and the messages that could not be delivered.

Objects are looked up through querysets scoped to the person (her inbox) or to the
coordinator's exchanges, so somebody else's row is a 404 (STYLE habit 6). The exchanges come
from the user's memberships as plain ids: this app imports no marketplace model.
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role

from .forms import PreferencesForm
from .models import Channel
from .selectors import (
    call_tasks_for,
    call_tasks_of,
    failed_for,
    inbox_for,
    kind_label,
    notification_text,
)
from .services import (
    call_task_done,
    notification_read,
    notification_unsubscribe,
    notifications_read_all,
    preferences_set,
)
from .texts import KINDS, UNSUBSCRIBE_SALT

PAGE_SIZE = 20
DONE_PREVIEW = 10


def coordinator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.COORDINATOR:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _back_to_inbox(request):
    """Back to the page of the inbox the button was on."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("notification_inbox")


# --- Inbox ---------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request):
    page = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = []
    for notification in page.object_list:
        title, text = notification_text(notification)
        items.append({"notification": notification, "title": title, "text": text})
    return render(request, "notifications/pages/inbox.html", {
        "page": page,
        "items": items,
        # The "all read" button: an unread message on this page, or else on any other.
        "any_unread": any(item["notification"].read_at is None for item in items)
        or inbox_for(user=request.user).filter(read_at__isnull=True).exists(),
    })


@login_required
@require_POST
def read(request, pk: int):
    notification = get_object_or_404(inbox_for(user=request.user), pk=pk)
    notification_read(notification=notification, user=request.user)
    return _back_to_inbox(request)


@login_required
@require_POST
def read_all(request):
    count = notifications_read_all(user=request.user)
    if count:
        messages.success(request, _("Alle Nachrichten sind als gelesen markiert."))
    return _back_to_inbox(request)


# --- Preferences ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        preferences_set(user=request.user, choices=form.choices())
        messages.success(request, _("Ihre Einstellungen sind gespeichert."))
        return redirect("notification_preferences")
    return render(request, "notifications/pages/preferences.html", {"form": form})


# --- One-click unsubscribe -----------------------------------------------------------------


def _unsubscribe_payload(token: str) -> tuple[int, str] | None:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(payload["u"]), str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if kind not in KINDS or not KINDS[kind].optional:
        return None
    return user_id, kind


# The signed token is the credential, so no CSRF token is needed: a forged form would need the
# token itself. Exempt so that a mail program's one-click POST (RFC 8058) works as well.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    payload = _unsubscribe_payload(token)
    if payload is None:
        return render(request, "notifications/pages/unsubscribe_invalid.html", status=400)
    user_id, kind = payload
    context = {"kind_label": kind_label(kind)}
    if request.method == "POST":
        if not notification_unsubscribe(user_id=user_id, kind=kind):
            return render(request, "notifications/pages/unsubscribe_invalid.html", status=400)
        return render(request, "notifications/pages/unsubscribe.html", {**context, "done": True})
    return render(request, "notifications/pages/unsubscribe.html", {**context, "done": False})


# --- Coordination: call list and failed messages -------------------------------------------


def _tel(phone: str) -> str:
    """A tel: URI from a number as people write it ("02421 12 34-5" → "0242112345")."""
    return re.sub(r"[^\d+]", "", phone)


@coordinator_required
@require_GET
def call_list(request):
    tasks = []
    for task in call_tasks_for(user=request.user):
        title, text = notification_text(task, Channel.CALL)
        tasks.append({"notification": task, "title": title, "text": text, "tel": _tel(task.recipient_phone)})
    done = [{"notification": task, "title": notification_text(task, Channel.CALL)[0]}
            for task in call_tasks_for(user=request.user, done=True)[:DONE_PREVIEW]]
    _log_list_view(request.user, "notifications.call_list.viewed",
                   [t["notification"] for t in tasks] + [d["notification"] for d in done])
    return render(request, "notifications/pages/call_list.html", {"tasks": tasks, "done": done})


def _log_list_view(user, action: str, shown) -> None:
    """A list of names and phone numbers is personal data the coordinator looked at (DESIGN 8):
    one audit entry per exchange whose people were on the page, with how many, never who."""
    from collections import Counter

    from accounts.services import audit_log

    for exchange_id, count in Counter(n.exchange_id for n in shown).items():
        audit_log(actor=user, action=action, exchange_id=exchange_id, data={"shown": count})


@coordinator_required
@require_POST
def call_done(request, pk: int):
    task = get_object_or_404(call_tasks_of(user=request.user), pk=pk)
    name = task.recipient_name or _("(ohne Namen)")
    if call_task_done(notification=task, by=request.user):
        messages.success(request, _("Der Anruf bei %(name)s ist als erledigt vermerkt.") % {"name": name})
    else:  # a colleague (or a second click) was faster
        messages.info(request, _("Der Anruf bei %(name)s war schon als erledigt vermerkt.") % {"name": name})
    return redirect(reverse("notification_call_list"))


@coordinator_required
@require_GET
def failed(request):
    page = Paginator(failed_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"notification": n, "label": kind_label(n.kind)} for n in page.object_list]
    _log_list_view(request.user, "notifications.failed_list.viewed", page.object_list)
    return render(request, "notifications/pages/failed.html", {"page": page, "items": items})
