"""Phone numbers found in bounded time, and the numbers that only look like phone numbers.

Google's libphonenumber (through Presidio's `PhoneRecognizer`) finds phone numbers in the
formats of the countries in `PHONE_REGIONS`, plus any number written with its +country code.
Left to itself its matcher can take seconds on a text of digits and separators, in the log
writer; this module caps what it reads (`PHONE_BUDGET`) and the gaps it is shown
(`LONG_GAP`), and keeps ZIP+4 codes and month-and-year dates out of what it reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.privacy.spans import PHONE, Span

# National formats understood without a +country code: the shop's customers.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "FR", "NL", "ES", "IT", "AU")
# Not phone numbers, though libphonenumber may read them as one: "80202-1234", "06/2027".
US_ZIP_PLUS_4 = re.compile(r"\d{5}-\d{4}")
MONTH_AND_YEAR = re.compile(r"(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d{2}")

# libphonenumber's matcher reads a run of digits and separators ("1/1/1/...") as a candidate
# and, when it is no number, tries each group of digits in it and each rest of it as one, for
# each region: 2.5 s (10 s on a busy machine) for 10,000 characters of "1/1/1/...", in the log
# writer, a tenth of that for an order email as long. So it reads at most PHONE_BUDGET
# characters of runs per window (0.2 s at worst); a run after those is taken for a phone
# number where it holds more digits than an order number: a message with more numbers than a
# customer types loses some in the log rather than leak one. A run is what the matcher reads
# as one: digits, at most 4 of its separators in a row, and its lead characters.
_PHONE_SEPARATOR = (
    r"[-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \xa0\xad\u200b\u2060\u3000()\uff08\uff09"
    r"\uff3b\uff3d.\[\]/~\u2053\u223c\uff5e]"
)
_PHONE_LEAD = rf"(?:[(\[\uff08\uff3b+\uff0b]{_PHONE_SEPARATOR}{{0,4}}){{0,2}}"
PHONE_RUN = re.compile(rf"{_PHONE_LEAD}\d+(?:{_PHONE_SEPARATOR}{{1,4}}\d+)*", re.I)
PHONE_BUDGET = 512
PHONE_MIN_DIGITS = 7
# The matcher also lets any number of these stand between a number and its extension ("0161
# 496 0000, ext 12"), and one of its patterns takes time quadratic in them (11 s for 4,000
# commas): it is shown line breaks (same length, no separator) from the 9th in a row on.
LONG_GAP = re.compile(r"[ \xa0\t,-]{9,}")


def phone_numbers(recognizer: Any, text: str) -> Iterable[Span]:
    """The phone numbers in `text` (one window): those Presidio's `recognizer` finds within
    the budget, then runs past it with more digits than an order number."""
    read = phone_budget_end(text)
    for found in recognizer.analyze(without_long_gaps(text[:read]), ["PHONE_NUMBER"]):
        if not zip_code_or_date(text, found.start, found.end):
            yield Span(found.start, found.end, PHONE)
    for run in PHONE_RUN.finditer(text, read):  # past the budget
        digits = sum(map(str.isdecimal, run[0]))
        if digits >= PHONE_MIN_DIGITS and not zip_code_or_date(text, *run.span()):
            yield Span(*run.span(), PHONE)


def zip_code_or_date(text: str, start: int, end: int) -> bool:
    """A ZIP+4 code or a month and year: libphonenumber may take either for a phone number."""
    return bool(
        US_ZIP_PLUS_4.fullmatch(text, start, end) or MONTH_AND_YEAR.fullmatch(text, start, end)
    )


def phone_budget_end(text: str) -> int:
    """Where the phone matcher stops reading `text`: at its end, or where the run of digits
    starts that takes it past `PHONE_BUDGET` characters of runs."""
    read = 0
    for run in PHONE_RUN.finditer(text):
        read += run.end() - run.start()
        if read > PHONE_BUDGET:
            return run.start()
    return len(text)


def without_long_gaps(text: str) -> str:
    return LONG_GAP.sub(lambda gap: gap[0][:8] + "\n" * (len(gap[0]) - 8), text)
