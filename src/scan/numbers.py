"""Numbers as a Swedish reader writes them, for the pages and the report: decimal comma, a
(non-breaking) space between thousands, a space before the per cent sign ("1 234", "0,53",
"53 %"). Formats come from Babel's Swedish locale data, not from hand-made replacements.

>>> decimal(0.1234, 3), integer(12345), percent(0.531)
('0,123', '12\\xa0345', '53\\xa0%')
"""

from __future__ import annotations

from typing import Any

LOCALE = "sv_SE"


def decimal(value: Any, digits: int = 2) -> str:
    """A number with exactly `digits` decimals; '' for None."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def integer(value: Any) -> str:
    """A whole number with Swedish thousands grouping; '' for None."""
    return decimal(round(value), 0) if value is not None else ""


def percent(share: Any, digits: int = 0) -> str:
    """A share in [0, 1] as per cent ('53 %'); '' for None."""
    if share is None:
        return ""
    from babel.numbers import format_percent

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "\u00a0%"
    return format_percent(share, format=pattern, locale=LOCALE)


# Jinja filters: {{ hit.score|decimal(3) }}, {{ passages|integer }}, {{ r.none|percent }}
FILTERS = {"decimal": decimal, "integer": integer, "percent": percent}
