"""The exchange settings in a real browser (issue 6, point 7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Category, SchoolHoliday
from tests.factories import make_coordinator

from .conftest import assert_accessible, assert_same_origin
from .helpers import expect, follow, log_in, see_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_with_the_right_changes_the_rules_and_a_colleague_only_reads_them(
        new_page, live_server, exchange):
    """Every settings page, as the coordinator who may change them and as a colleague who may
    only read them: accessible, same-origin, German errors, and a saved policy is stored."""
    manager = make_coordinator(exchange, email="leitung@example.org", can_manage_settings=True)
    colleague = make_coordinator(exchange, email="kollegin@example.org")
    start = timezone.localdate() + timedelta(days=20)
    SchoolHoliday.objects.create(exchange=exchange, name="Herbstferien", start=start, end=start + timedelta(days=5))
    garden = Category.objects.get(exchange=exchange, slug="garden")
    base = "/koordination/einstellungen/kreis-dueren/"
    paths = [base, base + "regeln/", base + "kategorien/", base + f"kategorien/{garden.pk}/", base + "kontakt/",
             base + "ferien/"]
    for who in (manager, colleague):
        page = new_page()
        log_in(page, who.email, who=who.email)
        for path in paths:
            page.goto(path)
            assert_accessible(page, context=f"{who.email} {path}")
        if who == manager:
            page.goto(base + "regeln/")
            page.get_by_label("Mindestalter").fill("12")
            follow(page, page.get_by_role("button", name="Regeln speichern"))
            assert_accessible(page, context="policy errors")
            page.get_by_label("Mindestalter").fill("15")
            follow(page, page.get_by_role("button", name="Regeln speichern"))
            see_message(page, "sind gespeichert")
            exchange.policy.refresh_from_db()
            assert exchange.policy.min_age == 15
            assert_accessible(page, context="policy saved")
            page.goto(base + "ferien/")
            page.get_by_label("Bezeichnung").fill("Doppelt")
            page.get_by_label("Erster Ferientag").fill(start.isoformat())
            page.get_by_label("Letzter Ferientag").fill(start.isoformat())
            follow(page, page.get_by_role("button", name="Eintragen"))
            expect(page.get_by_text("überschneidet sich").first).to_be_visible()
            assert_accessible(page, context="holiday errors")
        assert_same_origin(page)
