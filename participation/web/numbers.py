"""Numbers as the reader writes them: decimals, percentages and counts in the page's language.

Weights are stored as whole units (``weight_scale`` units make one vote), shares and thresholds
as fractions ``[numerator, denominator]``; these turn them into text with Babel.
"""

from __future__ import annotations

import math
from fractions import Fraction

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale


def _locale() -> str:
    return str(get_locale() or "de")


def number_text(value: Fraction | int) -> str:
    """A whole number as such, anything else to at most two decimals ("12,5" in German)."""
    value = Fraction(value)
    if value.denominator == 1:
        return format_decimal(value.numerator, locale=_locale())
    return format_decimal(round(float(value), 2), locale=_locale())


def weight_text(units: int, scale: int = 1) -> str:
    """A weight given in units of ``1/scale`` vote."""
    return number_text(Fraction(units, scale or 1))


def fraction_text(pair, scale: int = 1) -> str:
    """A fraction ``[numerator, denominator]`` of ``1/scale`` units, as a decimal number."""
    return number_text(Fraction(pair[0], pair[1] * (scale or 1)))


def share_text(share) -> str:
    """A share (a fraction or a ``[numerator, denominator]`` pair) as a percentage: "50 %"."""
    if isinstance(share, list | tuple):
        share = Fraction(share[0], share[1])
    return format_percent(round(float(share), 3), locale=_locale(), decimal_quantization=False)


def part_text(part: int, whole: int) -> str:
    """What share ``part`` is of ``whole``, as a percentage; nothing of nothing is 0 %."""
    return share_text(Fraction(part, whole) if whole else Fraction(0))


def needed_text(pair, scale: int = 1) -> str:
    """How many are needed to reach a threshold, counted as people count: rounded up.

    Whole votes and organisations come in ones, so 12.5 needed means 13. Shared weights
    (``scale`` > 1) come in hundredths at most, so the threshold is rounded up to those.
    """
    value = Fraction(pair[0], pair[1] * (scale or 1))
    if (scale or 1) == 1:
        return format_decimal(math.ceil(value), locale=_locale())
    return number_text(Fraction(math.ceil(value * 100), 100))


def at_least_text(majority: dict, scale: int = 1) -> str:
    """The fewest yes votes that meet a threshold, as people count them.

    Weights come in whole units of ``1/scale`` vote, so "more than 13.5" is "at least 14" and
    "at least 12⅔" is "at least 13" (with whole votes). No rule is met without a yes vote.
    """
    value = Fraction(majority["value"][0], majority["value"][1])
    units = math.floor(value) + 1 if majority.get("comparison") == ">" else math.ceil(value)
    return weight_text(max(units, 1), scale)
