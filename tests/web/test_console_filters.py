"""The console's template filters."""

from decimal import Decimal

import pytest
from django.utils import translation

from marketplace.templatetags.console import hours


@pytest.mark.parametrize(("value", "german", "english"), [
    (2, "2", "2"), (Decimal("1.50"), "1,5", "1.5"), (1.25, "1,25", "1.25"), (Decimal("0.333"), "0,33", "0.33"),
    (20, "20", "20"), (None, "", ""),
])
def test_hours_read_as_people_write_them_in_the_pages_language(value, german, english):
    with translation.override("de"):
        assert hours(value) == german
    with translation.override("en"):
        assert hours(value) == english
