"""The database being away, in csbot's own words: `DatabaseUnavailable` is what the web app
and the actions catch when a service could not reach the database, so nothing above the
services imports a driver's exceptions (`tests/test_layers.py` keeps it so).

A service raises it where its callers can do something about an outage: tell the customer to
try again, resend later, wait for the next look. Other database errors are bugs and stay as
they are, so they still show as one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

P = ParamSpec("P")
T = TypeVar("T")


def transient(exc: BaseException) -> bool:
    """True for failures a retry can fix: the database down, locked or the connection lost."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DatabaseUnavailable(RuntimeError):
    """The database did not answer: down, restarting, locked, or the connection was lost;
    asking again later may work. `reason` names the driver's error class only: its message
    can quote a statement's values, customer text included, and this ends up in logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the database is unavailable ({reason})")
        self.reason = reason


@contextmanager
def reported(*, every_error: bool = False) -> Iterator[None]:
    """Database failures a retry can fix (`transient`), or with `every_error` any
    database error, raised as DatabaseUnavailable."""
    try:
        yield
    except SQLAlchemyError as exc:
        if not (every_error or transient(exc)):
            raise
        raise DatabaseUnavailable(type(exc).__name__) from exc


def reports_outages(call: Callable[P, T]) -> Callable[P, T]:
    """A service method whose transient database failures reach its caller as
    DatabaseUnavailable."""

    @functools.wraps(call)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        with reported():
            return call(*args, **kwargs)

    return guarded
