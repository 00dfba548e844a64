"""The project's settings plus what the pipeline's worker tests and benchmark need: the texts of
a test-only kind (`pipeline.check`, templates beside this file), so that the pipeline is tested
apart from the wording of the real events, and a first retry step that a test can wait for
(NOTIFICATION_RETRY_SECONDS, 30 s in production).

Used as DJANGO_SETTINGS_MODULE of the worker processes that tests/integration and
bench/notifications_bench.py start; everything else comes from the environment as usual.
"""

from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import TEMPLATES, env

TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=30)
