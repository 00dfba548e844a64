"""The Celery application. All settings come from Django's settings with the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("taschengeldboerse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """Database connections live across tasks as they do across web requests: dropped when
    older than CONN_MAX_AGE, broken, or left in a failed transaction (CELERY_DB_REUSE_MAX keeps
    Celery from closing them after every task). Eager tasks run inside the caller's request or
    transaction, whose connection is not ours to close."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
