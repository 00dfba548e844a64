"""A coordinator writes a broadcast to the children of her exchange, previews it, sends it, and
finds it in the list and in the audit log; the teen finds it in her inbox. Every page is checked
with axe-core, and no request leaves the live server's origin."""

import re

import pytest

from accounts.models import AuditEntry
from marketplace.models import Broadcast
from tests.factories import make_coordinator, make_teen

from .conftest import assert_accessible, assert_same_origin
from .helpers import at, expect, follow, log_in, see_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_broadcast_goes_from_the_form_to_the_teens_inbox_and_into_the_log(new_page, exchange):
    coordinator = make_coordinator(exchange, email="koordination@example.org")
    ida = make_teen(exchange, age=14, first_name="Ida", email="ida@example.org")
    make_teen(exchange, age=19, first_name="Ada", email="ada@example.org")
    page = new_page()
    log_in(page, coordinator.email, who="coordinator")
    page.goto("/koordination/rundnachrichten/")
    assert_accessible(page, context="coordinator: broadcasts")
    follow(page, page.get_by_role("link", name="Neue Rundnachricht schreiben"))
    assert_accessible(page, context="coordinator: new broadcast")
    main = page.get_by_role("main")
    main.get_by_label("Betreff").fill("Sommerfest")
    main.get_by_label("Nachricht").fill("Am Samstag feiern wir im Jugendzentrum.")
    main.get_by_label("Kinder (unter 15 oder vollzeitschulpflichtig)").check()
    follow(page, main.get_by_role("button", name="Vorschau"))
    expect(main.get_by_text(re.compile(r"Diese Nachricht geht an eine aktive Jugendliche"))).to_be_visible()
    assert_accessible(page, context="coordinator: broadcast preview")
    follow(page, main.get_by_role("button", name="Senden"), url=at("/koordination/rundnachrichten/"))
    see_message(page, "Die Nachricht „Sommerfest“ geht an 1 Jugendliche.")
    assert Broadcast.objects.get().recipients == 1
    page.goto("/koordination/protokoll/")
    expect(page.get_by_role("cell", name="Rundnachricht gesendet")).to_be_visible()
    assert_accessible(page, context="coordinator: audit log")
    page.goto(f"/koordination/protokoll/?person={ida.user_id}")
    assert_accessible(page, context="coordinator: audit log of a person")
    assert AuditEntry.objects.filter(action="marketplace.audit.viewed", subject_user_id=ida.user_id).exists()
    assert_same_origin(page)

    teen_page = new_page()
    log_in(teen_page, ida.user.email, who="teen")
    teen_page.goto("/nachrichten/")
    expect(teen_page.get_by_text("Sommerfest").first).to_be_visible()
    assert_same_origin(teen_page)
