"""The exchange's settings in the coordinator's console: policy, categories, contact data and
office hours, school holidays (issue 6, point 7).

Every coordinator of the exchange may read them (she explains the rules on the phone); only a
membership with `can_manage_settings` may change them. Without the right she sees the same pages
with disabled controls and a notice, and a POST is answered 403 with the page and its reason.
An exchange she does not belong to is a 404; another role is a 403 (`coordinator_required`).
The rules are in `services.exchange_settings`; these views parse, call and report.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..forms_settings import CategoryForm, ContactForm, HolidayForm, PolicyForm
from ..models import Exchange, Policy
from ..selectors import exchanges_for_coordinator
from ..services.exchange_settings import (
    SettingsChange,
    category_create,
    category_update,
    confirmed_assignments_check,
    exchange_contact_update,
    may_manage_settings,
    policy_update,
    school_holiday_add,
    school_holiday_delete,
)
from .coordinator import coordinator_required

T = "marketplace/coordinator/"


def _exchange(request, exchange_slug: str) -> Exchange:
    return get_object_or_404(exchanges_for_coordinator(user=request.user), slug=exchange_slug)


def _policy(exchange: Exchange) -> Policy:
    policy, _created = Policy.objects.get_or_create(exchange=exchange)
    policy.exchange = exchange
    return policy


def _context(request, exchange: Exchange, section: str, **extra) -> dict:
    return {
        "exchange": exchange,
        "section": section,
        "may_change": may_manage_settings(user=request.user, exchange=exchange),
        "several_exchanges": exchanges_for_coordinator(user=request.user).count() > 1,
        **extra,
    }


def _denied(request, template: str, context: dict, form=None):
    """A change by someone without the right: the same page with `form` unbound (what is saved,
    not what was sent), read-only, and the reason."""
    context = {**context, "denied": True}
    if form is not None:
        form.make_read_only()
        context["form"] = form
    return render(request, template, context, status=403)


def _check(exchange: Exchange) -> dict:
    """Confirmed future assignments and those that break today's rules, for the page."""
    count, unfit = confirmed_assignments_check(exchange=exchange)
    return {"confirmed_future": count, "unfit": list(unfit.values())}


def _report(request, change: SettingsChange, saved: str) -> None:
    """Say what happened, and what it means for confirmed matches."""
    if not change.changed:
        messages.info(request, _("Es gab nichts zu ändern."))
        return
    messages.success(request, saved)
    unfit = len(change.newly_unfit)
    if unfit:
        messages.warning(request, ngettext(
            "%(count)s bestätigter künftiger Einsatz verstößt nach der Änderung gegen die Regeln. Die Vermittlung "
            "bleibt gültig; bitte klären Sie ihn mit den Beteiligten (Liste unter „Regeln“).",
            "%(count)s bestätigte künftige Einsätze verstoßen nach der Änderung gegen die Regeln. Die Vermittlungen "
            "bleiben gültig; bitte klären Sie sie mit den Beteiligten (Liste unter „Regeln“).",
            unfit) % {"count": unfit})
    elif change.confirmed_future:
        messages.info(request, ngettext(
            "Der bestätigte künftige Einsatz passt weiterhin zu den Regeln.",
            "Alle %(count)s bestätigten künftigen Einsätze passen weiterhin zu den Regeln.",
            change.confirmed_future) % {"count": change.confirmed_future})


def _settings_form(request, template: str, context: dict, form_class, form_kwargs: dict, *,
                   save: Callable, saved: Callable, done: str, page_extra: Callable[[], dict] | None = None):
    """GET and POST of one settings form. A POST without the right is the read-only page with
    403; a valid one is saved by `save(form)`, reported with the message `saved(change)` and
    redirected to the URL named `done`. Otherwise the page with the form, read-only without the
    right; `page_extra()` adds to its context (computed only when the page is shown)."""
    form = form_class(request.POST if request.method == "POST" else None, **form_kwargs)
    context = {**context, "form": form}

    def page_context() -> dict:
        return {**context, **page_extra()} if page_extra else context

    if request.method == "POST":
        if not context["may_change"]:
            return _denied(request, template, page_context(), form_class(**form_kwargs))
        if form.is_valid():
            try:
                change = save(form)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied:
                return _denied(request, template, page_context(), form_class(**form_kwargs))
            else:
                _report(request, change, saved(change))
                return redirect(done, exchange_slug=context["exchange"].slug)
    if not context["may_change"]:
        form.make_read_only()
    return render(request, template, page_context())


# --- overview ------------------------------------------------------------------------------------


@coordinator_required
def settings_home(request):
    """Her exchange's settings, or the choice when she coordinates several."""
    exchanges = list(exchanges_for_coordinator(user=request.user).order_by("name"))
    if len(exchanges) == 1:
        return redirect("coordinator_settings_exchange", exchange_slug=exchanges[0].slug)
    return render(request, T + "settings_choose.html", {"exchanges": exchanges})


@coordinator_required
def settings_exchange(request, exchange_slug: str):
    exchange = _exchange(request, exchange_slug)
    today = timezone.localdate()
    return render(request, T + "settings_overview.html", _context(
        request, exchange, "overview",
        policy=_policy(exchange),
        categories=list(exchange.categories.all()),
        holidays=list(exchange.school_holidays.filter(end__gte=today)[:3]),
        **_check(exchange),
    ))


# --- policy ----------------------------------------------------------------------------------------


@coordinator_required
def settings_policy(request, exchange_slug: str):
    exchange = _exchange(request, exchange_slug)
    policy = _policy(exchange)
    return _settings_form(
        request, T + "settings_policy.html", _context(request, exchange, "policy"), PolicyForm, {"policy": policy},
        save=lambda form: policy_update(policy=policy, by=request.user, data=form.service_data()),
        saved=lambda change: _("Die Regeln von %(exchange)s sind gespeichert.") % {"exchange": exchange},
        done="coordinator_settings_policy", page_extra=lambda: _check(exchange))


# --- categories --------------------------------------------------------------------------------------


@coordinator_required
def settings_categories(request, exchange_slug: str):
    """The list, and the form for a new category (POST here creates it)."""
    exchange = _exchange(request, exchange_slug)
    exchange.policy = _policy(exchange)
    context = _context(request, exchange, "categories", categories=list(exchange.categories.all()))
    return _settings_form(
        request, T + "settings_categories.html", context, CategoryForm, {},
        save=lambda form: category_create(exchange=exchange, by=request.user, data=form.service_data()),
        saved=lambda change: _("Die Kategorie „%(name)s“ ist angelegt.") % {"name": change.target.name},
        done="coordinator_settings_categories")


@coordinator_required
def settings_category(request, exchange_slug: str, pk: int):
    exchange = _exchange(request, exchange_slug)
    exchange.policy = _policy(exchange)
    category = get_object_or_404(exchange.categories, pk=pk)
    category.exchange = exchange
    return _settings_form(
        request, T + "settings_category.html", _context(request, exchange, "categories", category=category),
        CategoryForm, {"category": category},
        save=lambda form: category_update(category=category, by=request.user, data=form.service_data()),
        saved=lambda change: _("Die Kategorie „%(name)s“ ist gespeichert.") % {"name": category.name},
        done="coordinator_settings_categories")


# --- contact data --------------------------------------------------------------------------------------


@coordinator_required
def settings_contact(request, exchange_slug: str):
    exchange = _exchange(request, exchange_slug)
    return _settings_form(
        request, T + "settings_contact.html", _context(request, exchange, "contact"), ContactForm,
        {"exchange": exchange},
        save=lambda form: exchange_contact_update(exchange=exchange, by=request.user, data=form.service_data()),
        saved=lambda change: _("Kontaktdaten und Sprechzeiten sind gespeichert."),
        done="coordinator_settings_contact")


# --- school holidays -------------------------------------------------------------------------------------


def _holidays_context(request, exchange: Exchange, form: HolidayForm | None) -> dict:
    today = timezone.localdate()
    holidays = [{"holiday": h, "past": h.end < today} for h in exchange.school_holidays.all()]
    return _context(request, exchange, "holidays", form=form, holidays=holidays)


@coordinator_required
def settings_holidays(request, exchange_slug: str):
    """The list, and the form for a new range (POST here adds it)."""
    exchange = _exchange(request, exchange_slug)
    return _settings_form(
        request, T + "settings_holidays.html", _holidays_context(request, exchange, None), HolidayForm, {},
        save=lambda form: school_holiday_add(exchange=exchange, by=request.user, **form.service_data()),
        saved=lambda change: _("„%(name)s“ (%(start)s–%(end)s) ist eingetragen.") % {
            "name": change.target.name, "start": f"{change.target.start:%d.%m.%Y}",
            "end": f"{change.target.end:%d.%m.%Y}"},
        done="coordinator_settings_holidays")


@require_POST
@coordinator_required
def settings_holiday_delete(request, exchange_slug: str, pk: int):
    exchange = _exchange(request, exchange_slug)
    holiday = get_object_or_404(exchange.school_holidays, pk=pk)
    holiday.exchange = exchange
    try:
        change = school_holiday_delete(holiday=holiday, by=request.user)
    except PermissionDenied:
        return _denied(request, T + "settings_holidays.html", _holidays_context(request, exchange, HolidayForm()),
                       HolidayForm())
    _report(request, change, _("„%(name)s“ ist gelöscht.") % {"name": holiday.name})
    return redirect("coordinator_settings_holidays", exchange_slug=exchange.slug)


_PREFIX = "koordination/einstellungen/<slug:exchange_slug>/"

urlpatterns = [
    path("koordination/einstellungen/", settings_home, name="coordinator_settings"),
    path(_PREFIX, settings_exchange, name="coordinator_settings_exchange"),
    path(_PREFIX + "regeln/", settings_policy, name="coordinator_settings_policy"),
    path(_PREFIX + "kategorien/", settings_categories, name="coordinator_settings_categories"),
    path(_PREFIX + "kategorien/<int:pk>/", settings_category, name="coordinator_settings_category"),
    path(_PREFIX + "kontakt/", settings_contact, name="coordinator_settings_contact"),
    path(_PREFIX + "ferien/", settings_holidays, name="coordinator_settings_holidays"),
    path(_PREFIX + "ferien/<int:pk>/loeschen/", settings_holiday_delete, name="coordinator_settings_holiday_delete"),
]
