"""Money, dates and order numbers as the shop's customers write them.

Babel formats by CLDR data ("€1,299.00" for en-IE, "$1,299.00" for en-US, "1.299,00 €" for
de-DE; "Monday 7 December" for en-IE, "Monday, December 7" for en-US: the
locale's full date without the year), so no code carries a
currency symbol, a date order or an order-number prefix of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.dates import (
    format_date,
    format_time,
    get_date_format,
    get_day_names,
    get_timezone,
    get_timezone_name,
)
from babel.numbers import format_currency

from bot.pack.model import Hours, Opening, OrderNumbers, ShopPack


@dataclass(frozen=True)
class ShopFormat:
    locale: str  # Babel's form: en_IE
    currency: str
    orders: OrderNumbers
    time_zone: str = "UTC"

    @classmethod
    def of(cls, pack: ShopPack) -> ShopFormat:
        locale = pack.locale.replace("-", "_")
        return cls(locale, pack.currency, pack.order_numbers, pack.time_zone)

    def hours(self, hours: Hours) -> str:
        """The team's week in the shop's words, days with the same hours run together:
        'Mon-Fri 8:00 AM-8:00 PM, Sat 9:00 AM-5:00 PM ET' (en-US, New York)."""
        days = get_day_names("abbreviated", locale=self.locale)  # 0 is Monday
        runs: list[tuple[int, int, Opening]] = []
        for day, opening in enumerate(hours.week):
            if opening is None:
                continue
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == opening:
                runs[-1] = (runs[-1][0], day, opening)
            else:
                runs.append((day, day, opening))
        if not runs:
            return ""
        parts = []
        for first, last, opening in runs:
            named = days[first] if first == last else f"{days[first]}-{days[last]}"
            opens = format_time(opening.opens, "short", locale=self.locale)
            closes = format_time(opening.closes, "short", locale=self.locale)
            parts.append(f"{named} {opens}-{closes}")
        zone = get_timezone_name(get_timezone(self.time_zone), "short", locale=self.locale)
        return f"{', '.join(parts)} {zone}"

    def money(self, amount: float | Decimal) -> str:
        """`amount` in the shop's currency: 1299 -> '€1,299.00' for an en-IE euro shop."""
        return format_currency(amount, self.currency, locale=self.locale)

    def day(self, value: date | datetime) -> str:
        """A delivery or order day: weekday, day and month, in the shop's locale."""
        full = get_date_format("full", locale=self.locale).pattern  # "EEEE, MMMM d, y"
        return format_date(
            value, re.sub(r"(?<![\s,])[\s,]*y+\.?", "", full).strip(), locale=self.locale
        )

    def order(self, number: int) -> str:
        """How the shop writes order `number`: 100234 -> '100234', 10452 -> 'TH-10452'."""
        return self.orders.show(number)
