"""Template filters of the coordinator's console."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


def hours_text(value, *, grouping: bool = False) -> str:
    """Hours as people write them, in the active language: 2 → "2", 1.5 → "1,5", 1.25 → "1,25"
    (not "1,50" next to "2", which floatformat gives). `grouping`: 1000 → "1.000"."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        amount = amount.to_integral_value()
    else:
        amount = Decimal(str(amount).rstrip("0"))
    return number_format(amount, use_l10n=True, force_grouping=grouping)


@register.filter
def hours(value) -> str:
    """`hours_text` in the page's language."""
    return hours_text(value)
