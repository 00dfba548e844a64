"""Statistics for the annual report (issue 6, point 5): the coordinator's page and CSV, and the
operator's district-wide view across all exchanges.

Aggregates only, never a person: no audit entry is written (nothing personal is shown). The
figures and their labels come from `selectors.stats`; this module formats them, once for the
page and once for the CSV, from the same list (`KEY_FIGURES`), so the two cannot disagree.
A coordinator sees only her exchanges; an exchange id that is not hers is a 404.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role

from ..charts import Series, bar_chart, column_chart
from ..forms_stats import ALL_EXCHANGES, StatsPeriodForm, quick_choices
from ..models import Exchange
from ..selectors import exchanges_for_coordinator
from ..selectors.stats import AGE_LABELS, KEY_FIGURES, Stats, stats_per_exchange
from .coordinator import coordinator_required

# --- The figures' definitions and formats (the figures and labels: `selectors.stats.KEY_FIGURES`) -

# What each figure means, on the page, so that the annual report is unambiguous.
DEFINITIONS = (
    (gettext_lazy("Zeitraum"), gettext_lazy(
        "Vom ersten bis zum letzten gewählten Tag, beide einschließlich (deutsche Ortszeit).")),
    (gettext_lazy("Neue Jugendliche, neue Auftraggeber/innen"), gettext_lazy(
        "Profile, die im Zeitraum angelegt wurden, gleich in welchem Status sie heute sind.")),
    (gettext_lazy("Aufträge eingestellt"), gettext_lazy(
        "Im Zeitraum angelegte und eingereichte Aufträge (ohne Entwürfe). Besetzt, erledigt, abgesagt, "
        "abgelaufen, abgelehnt und noch offen (in Prüfung oder ausgeschrieben) zählen diese Aufträge nach "
        "ihrem heutigen Stand.")),
    (gettext_lazy("Besetzt"), gettext_lazy(
        "Aufträge, bei denen irgendwann alle Plätze vergeben waren, auch wenn sie später abgesagt wurden.")),
    (gettext_lazy("Besetzungsquote"), gettext_lazy(
        "Besetzte Aufträge geteilt durch eingestellte Aufträge ohne die abgelehnten.")),
    (gettext_lazy("Zeit bis besetzt (Median)"), gettext_lazy(
        "Von der Veröffentlichung bis alle Plätze vergeben waren: die Hälfte der besetzten Aufträge war "
        "schneller besetzt, die Hälfte langsamer.")),
    (gettext_lazy("Erledigte Einsätze, Stunden, bar bezahlt"), gettext_lazy(
        "Einsätze mit dem Status „erledigt“, die im Zeitraum begonnen haben, mit den bestätigten Minuten "
        "und Beträgen. Diese Zahlen zählen nach dem Tag der Arbeit, die Auftragszahlen nach dem Tag der "
        "Einstellung.")),
    (gettext_lazy("Aktive Jugendliche im Zeitraum"), gettext_lazy(
        "Verschiedene Jugendliche mit mindestens einem erledigten Einsatz im Zeitraum. „Heute "
        "freigeschaltet“ zählt die Jugendlichen, die heute den Status „Aktiv“ haben.")),
    (gettext_lazy("Ort"), gettext_lazy("Der Ort der Postleitzahl, an der der Auftrag ausgeführt wird.")),
    (gettext_lazy("Altersklasse"), gettext_lazy(
        "Nach dem Jugendarbeitsschutzgesetz am Tag des Einsatzes: Kinder sind unter 15 oder noch "
        "vollzeitschulpflichtig, Jugendliche 15 bis 17 Jahre alt, Volljährige 18 und älter. Wer in der "
        "Zeit Geburtstag hatte, kann in zwei Klassen zählen.")),
)


def _decimal_de(value: Decimal, places: int) -> str:
    """German decimal comma, no thousands separator: what German Excel reads as a number."""
    return f"{value:.{places}f}".replace(".", ",")


def display(kind: str, value) -> str:
    """A figure as the page shows it (German grouping and units)."""
    if value is None:
        return "–"
    if kind == "count":
        return number_format(value, force_grouping=True)
    if kind == "percent":
        return f"{number_format(value, decimal_pos=1, force_grouping=True)} %"
    if kind == "hours":
        return _("%(hours)s Std.") % {"hours": number_format(value, decimal_pos=1, force_grouping=True)}
    return f"{number_format(value, decimal_pos=2, force_grouping=True)} €"


def csv_value(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "count":
        return str(value)
    return _decimal_de(Decimal(value), 2 if kind == "money" else 1)


def key_figures(stats: Stats) -> list[dict]:
    return [{"key": f.key, "label": f.label, "value": display(f.kind, f.value(stats))} for f in KEY_FIGURES]


def _duration_words(stats: Stats) -> str:
    """The median in days when it is long, so that the report reads naturally."""
    median = stats.median_time_to_fill
    if median is None:
        return ""
    if median >= timedelta(hours=48):
        days = Decimal(median.total_seconds()) / 86400
        return _("entspricht %(days)s Tagen") % {"days": number_format(days, decimal_pos=1)}
    return ""


def month_label(month, *, with_year: bool) -> str:
    return date_format(month, "M y" if with_year else "M")


def _charts(stats: Stats) -> dict:
    months = stats.month_rows()
    with_year = stats.start.year != stats.end.year
    month_keys = sorted(stats.months)
    categories = stats.category_rows()
    return {
        "months": column_chart(
            ident="chart-months",
            title=_("Aufträge je Monat: eingestellt und erledigt"),
            description=_("Säulendiagramm; dieselben Zahlen stehen in der Tabelle darunter."),
            labels=[month_label(m, with_year=with_year) for m in month_keys],
            series=[Series(_("eingestellt"), [r.jobs_posted for r in months]),
                    Series(_("davon erledigt"), [r.jobs_done for r in months])]),
        "categories": bar_chart(
            ident="chart-categories",
            title=_("Aufträge nach Art der Hilfe: eingestellt und erledigt"),
            description=_("Balkendiagramm; dieselben Zahlen stehen in der Tabelle darunter."),
            labels=[r.label for r in categories],
            series=[Series(_("eingestellt"), [r.jobs_posted for r in categories]),
                    Series(_("davon erledigt"), [r.jobs_done for r in categories])]) if categories else None,
    }


def _tables(stats: Stats) -> dict:
    with_year = stats.start.year != stats.end.year
    return {
        "months": [{"label": date_format(key, "F Y") if with_year else date_format(key, "F"),
                    "posted": row.jobs_posted, "done": row.jobs_done}
                   for key, row in sorted(stats.months.items())],
        "categories": stats.category_rows(),
        "places": stats.place_rows(),
        "ages": [{"label": AGE_LABELS[row.key], "row": row} for row in stats.age_rows()],
    }


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = ("Börse", "Zeitraum von", "Zeitraum bis", "Bereich", "Gruppe", "Kennzahl", "Bezeichnung", "Wert")


class _Echo:
    """csv.writer writes into this and gets the line back, for a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_rows(name: str, stats: Stats) -> Iterator[tuple]:
    """One exchange (or the total) in the long format: one figure per line."""
    head = (name, stats.start.isoformat(), stats.end.isoformat())
    section = _("Kennzahlen")
    for f in KEY_FIGURES:
        yield (*head, section, "", f.key, str(f.label), csv_value(f.kind, f.value(stats)))
    section = _("Monat")
    for key, row in sorted(stats.months.items()):
        group = key.strftime("%Y-%m")
        yield (*head, section, group, "jobs_posted", _("Aufträge eingestellt"), str(row.jobs_posted))
        yield (*head, section, group, "jobs_done", _("davon erledigt"), str(row.jobs_done))
    for section, rows in ((_("Art der Hilfe"), stats.category_rows()), (_("Ort"), stats.place_rows())):
        for row in rows:
            yield (*head, section, row.label, "jobs_posted", _("Aufträge eingestellt"), str(row.jobs_posted))
            yield (*head, section, row.label, "jobs_done", _("davon erledigt"), str(row.jobs_done))
            yield (*head, section, row.label, "assignments_done", _("Erledigte Einsätze"), str(row.assignments_done))
            yield (*head, section, row.label, "hours", _("Geleistete Stunden"), csv_value("hours", row.hours))
    section = _("Altersklasse")
    for row in stats.age_rows():
        label = str(AGE_LABELS[row.key])
        yield (*head, section, label, "assignments_done", _("Erledigte Einsätze"), str(row.assignments_done))
        yield (*head, section, label, "hours", _("Geleistete Stunden"), csv_value("hours", row.hours))
        yield (*head, section, label, "teens", _("Jugendliche"), str(row.teens))


def _no_formula(cell):
    """A category named "=HYPERLINK(…)" must stay text in a spreadsheet (CSV injection, OWASP):
    a leading apostrophe before the characters that start a formula. Figures are unsigned digits
    with a decimal comma and never start with one."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def csv_response(parts: Iterable[tuple[str, Stats]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        # The byte order mark makes German Excel read UTF-8 (umlauts) instead of Windows-1252.
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for name, stats in parts:
            for row in csv_rows(name, stats):
                yield writer.writerow([_no_formula(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bad_request(form: StatsPeriodForm) -> HttpResponseBadRequest:
    text = "\n".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}"
                     for name, errors in form.errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


# --- The coordinator -------------------------------------------------------------------------


def _coordinator_form(request) -> tuple[StatsPeriodForm, list[Exchange]]:
    exchanges = list(exchanges_for_coordinator(user=request.user).order_by("name"))
    form = StatsPeriodForm(request.GET, exchanges=exchanges)
    if not form.is_valid() and "boerse" in form.errors:
        # Not one of hers (or no exchange at all): she must not learn that it exists.
        raise Http404
    return form, exchanges


def _chosen(form: StatsPeriodForm, exchanges: list[Exchange]) -> tuple[list[Exchange], str]:
    chosen = form.cleaned_data["boerse"]
    if chosen == ALL_EXCHANGES:
        return exchanges, (_("Alle meine Börsen") if len(exchanges) > 1 else exchanges[0].name)
    exchange = next(e for e in exchanges if str(e.pk) == chosen)
    return [exchange], exchange.name


def _params(form: StatsPeriodForm, **override) -> str:
    data = {"start": form.data["start"], "end": form.data["end"]}
    if "boerse" in form.fields and form.data.get("boerse"):
        data["boerse"] = form.data["boerse"]
    data.update({k: v.isoformat() for k, v in override.items()})
    return urlencode(data)


def _page_context(form: StatsPeriodForm, stats: Stats | None, csv_url: str) -> dict:
    context = {"form": form, "definitions": DEFINITIONS,
               "quick": [{"label": q.label, "query": _params(form, start=q.start, end=q.end),
                          "current": form.is_valid() and (q.start, q.end) == (form.cleaned_data["start"],
                                                                               form.cleaned_data["end"])}
                         for q in quick_choices(form.today)]}
    if stats is not None:
        context.update({"stats": stats, "figures": key_figures(stats), "duration_words": _duration_words(stats),
                        "charts": _charts(stats), "tables": _tables(stats),
                        "csv_url": f"{csv_url}?{_params(form)}", "period": form.period_label()})
    return context


@coordinator_required
def stats_page(request):
    form, exchanges = _coordinator_form(request)
    stats, name = None, ""
    if form.is_valid() and exchanges:
        chosen, name = _chosen(form, exchanges)
        _per, stats = stats_per_exchange(exchange_ids=[e.pk for e in chosen], start=form.cleaned_data["start"],
                                         end=form.cleaned_data["end"])
    context = _page_context(form, stats, reverse("coordinator_stats_csv"))
    context.update({"exchanges": exchanges, "scope_name": name})
    return render(request, "marketplace/coordinator/stats.html", context)


@coordinator_required
def stats_csv(request):
    form, exchanges = _coordinator_form(request)
    if not exchanges:
        raise Http404
    if not form.is_valid():
        return _bad_request(form)
    chosen, name = _chosen(form, exchanges)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    _per, stats = stats_per_exchange(exchange_ids=[e.pk for e in chosen], start=start, end=end)
    slug = chosen[0].slug if len(chosen) == 1 else "alle-boersen"
    return csv_response([(name, stats)], f"statistik-{slug}-{start.isoformat()}-{end.isoformat()}.csv")


# --- The operator ----------------------------------------------------------------------------


def operator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (request.user.role == Role.OPERATOR or request.user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _operator_stats(form: StatsPeriodForm):
    exchanges = list(Exchange.objects.order_by("name"))
    per, total = stats_per_exchange(exchange_ids=[e.pk for e in exchanges], start=form.cleaned_data["start"],
                                    end=form.cleaned_data["end"])
    return [(e, per[e.pk]) for e in exchanges], total


@operator_required
def operator_stats_page(request):
    form = StatsPeriodForm(request.GET, exchanges=None)
    context = _page_context(form, None, "")
    if form.is_valid():
        rows, total = _operator_stats(form)
        context = _page_context(form, total, reverse("operator_stats_csv"))
        context.update({
            "columns": [f.label for f in KEY_FIGURES],
            "rows": [{"name": e.name, "values": [display(f.kind, f.value(s)) for f in KEY_FIGURES]} for e, s in rows],
            "total": [display(f.kind, f.value(total)) for f in KEY_FIGURES],
        })
    return render(request, "marketplace/operator/stats.html", context)


@operator_required
def operator_stats_csv(request):
    form = StatsPeriodForm(request.GET, exchanges=None)
    if not form.is_valid():
        return _bad_request(form)
    rows, total = _operator_stats(form)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    parts = [(e.name, s) for e, s in rows] + [(_("Alle Börsen"), total)]
    return csv_response(parts, f"statistik-alle-boersen-{start.isoformat()}-{end.isoformat()}.csv")


urlpatterns: list = [
    path("koordination/statistik/", stats_page, name="coordinator_stats"),
    path("koordination/statistik.csv", stats_csv, name="coordinator_stats_csv"),
    path("betrieb/statistik/", operator_stats_page, name="operator_stats"),
    path("betrieb/statistik.csv", operator_stats_csv, name="operator_stats_csv"),
]
