"""Small helpers for tests of rendered pages."""

from html.parser import HTMLParser


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: (value or "") for name, value in attrs}))

    handle_startendtag = handle_starttag


def tags(html: str, name: str | None = None) -> list[dict]:
    """The attributes of every start tag (of one kind) in `html`."""
    collector = _TagCollector()
    collector.feed(html)
    return [attrs for tag, attrs in collector.tags if name is None or tag == name]


def radio(html: str, name: str, value: str) -> dict:
    return next(a for a in tags(html, "input") if a.get("name") == name and a.get("value") == value)


def session_queries() -> int:
    """Reading the session costs a query with database sessions, none when they come from the
    cache (cached_db, with REDIS_URL set): pinned query counts of pages add this."""
    from django.conf import settings

    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
