"""A real Celery worker, a real Redis broker and PostgreSQL: the consent e-mail is a row of the
notifications outbox, enqueued after commit and sent by a separate worker process (DESIGN
section 7).

The worker reads the same test database as this test (PostgreSQL only: an in-memory SQLite
database cannot be shared between processes) and writes its e-mails to files.
"""

import email
import email.policy
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import time as clock
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from accounts.models import Role
from config.celery import app as celery_app
from marketplace.models import ParentalConsent, TeenStatus
from marketplace.services.consent import consent_from_token
from marketplace.services.teens import Slot, teen_profile_for, teen_profile_update
from notifications.models import Notification, Status
from tests.factories import UserFactory, years_ago

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # written by Django's file-based mail backend


def database_url() -> str:
    """The URL of the database this test runs on (test_taschengeld or its xdist variant)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "localhost"
    host = quote(host, safe="") if host.startswith("/") else host  # a socket directory
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{quote(s['NAME'], safe='')}"


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A worker process on the configured broker; torn down before the database is flushed.
    Yields (process, mail directory, log path)."""
    assert celery_app.conf.task_always_eager is False, "tasks must go through the broker here"
    assert celery_app.conf.broker_url == os.environ["REDIS_URL"]
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
        "SITE_URL": settings.SITE_URL,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield process, mail_dir, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def read_messages(mail_dir) -> list[email.message.EmailMessage]:
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def test_a_real_worker_emails_the_parent_a_working_consent_link(celery_worker, exchange, client):
    process, mail_dir, log_path = celery_worker
    user = UserFactory(role=Role.TEEN)
    teen = teen_profile_for(user)

    # A 15-year-old completes her profile: the service asks her parent for consent.
    teen = teen_profile_update(teen=teen, by=user, data={
        "first_name": "Lena", "last_name": "Beispiel",
        "birth_date": years_ago(15) - timedelta(days=30), "in_compulsory_school": True,
        "postcode": "52349", "parent_name": "Eva Beispiel", "parent_email": "eva.beispiel@example.org",
        "availability": [Slot(weekday=5, start=clock(10), end=clock(14))],
    })
    assert teen.status == TeenStatus.CONSENT_PENDING
    consent = ParentalConsent.objects.get(teen=teen)
    outbox = Notification.objects.get(kind="verification.consent_requested")

    deadline = time.monotonic() + WAIT_SECONDS
    while outbox.status != Status.SENT:
        assert process.poll() is None, "worker died:\n" + log_path.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, (
            f"no consent e-mail after {WAIT_SECONDS} s; worker log:\n"
            + log_path.read_text(errors="replace")[-3000:]
        )
        time.sleep(0.2)
        outbox.refresh_from_db()

    assert mail.outbox == []  # the web process itself sent nothing
    messages = read_messages(mail_dir)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "eva.beispiel@example.org"
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(settings.SITE_URL) + r"(/einwilligung/([^/\s]+)/)", body)
    assert match, body
    path, token = match.groups()
    assert consent_from_token(token, purpose="give").pk == consent.pk

    response = client.get(path)
    assert response.status_code == 200
    assert "Lena" in response.content.decode()
