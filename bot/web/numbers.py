"""Whole numbers from requests (ids, pages, sizes): ASCII digits within 63 bits, or a clear
error, never a 500.

`str.isdigit()` and `int()` each accept more than ASCII digits, and not the same more:
"²".isdigit() is true and int("²") fails; int("٣") is 3, int(" 7 ") 7 and int("1_0") 10.
And a number past 2**63 - 1 overflows SQLite's and PostgreSQL's integers when it reaches a
query. Every number a request carries goes through `whole_number`; the edge helpers turn a
bad one into the status its place calls for: a path id that is not a number names no row
(404), a query or form value is the caller's mistake (400).
"""

from __future__ import annotations

import re

from aiohttp import web

MAX_NUMBER = 2**63 - 1  # the largest integer a database column holds
DIGITS = re.compile(r"[0-9]{1,19}")  # re's [0-9] is ASCII; \d would take "٣"


class NotANumber(ValueError):
    """Not ASCII digits, or outside the range asked for."""


def whole_number(raw: object, lowest: int = 0, highest: int = MAX_NUMBER) -> int:
    """`raw` as an int if it is ASCII digits only (no sign, no spaces) between `lowest` and
    `highest`; NotANumber otherwise."""
    if not isinstance(raw, str) or not DIGITS.fullmatch(raw):
        raise NotANumber(f"{str(raw)[:40]!r} is not a whole number")
    value = int(raw)
    if not lowest <= value <= highest:
        raise NotANumber(f"{value} is not between {lowest} and {highest}")
    return value


def path_id(request: web.Request, name: str = "id") -> int:
    """A row id from the URL's path; 404 unless it is one a database could hold."""
    try:
        return whole_number(request.match_info[name], lowest=1)
    except NotANumber:
        raise web.HTTPNotFound(text=f"no such {name}") from None


def query_number(
    request: web.Request, name: str, default: int, lowest: int = 0, highest: int = MAX_NUMBER
) -> int:
    """`?name=` as a whole number (`default` when absent or empty); 400 naming it otherwise."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        return whole_number(raw, lowest, highest)
    except NotANumber:
        raise web.HTTPBadRequest(
            text=f"{name} must be a whole number from {lowest} to {highest}"
        ) from None
