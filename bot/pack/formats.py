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

from babel.dates import format_date, get_date_format
from babel.numbers import format_currency

from bot.pack.model import OrderNumbers, ShopPack


@dataclass(frozen=True)
class ShopFormat:
    locale: str  # Babel's form: en_IE
    currency: str
    orders: OrderNumbers

    @classmethod
    def of(cls, pack: ShopPack) -> ShopFormat:
        return cls(pack.locale.replace("-", "_"), pack.currency, pack.order_numbers)

    def money(self, amount: float | Decimal) -> str:
        """`amount` in the shop's currency: 1299 -> '€1,299.00' for an en-IE euro shop."""
        return format_currency(amount, self.currency, locale=self.locale)

    def day(self, value: date | datetime) -> str:
        """A delivery or order day: weekday, day and month, in the shop's locale."""
        full = get_date_format("full", locale=self.locale).pattern  # "EEEE, MMMM d, y"
        return format_date(value, re.sub(r"[\s,]*y+\.?", "", full).strip(), locale=self.locale)

    def order(self, number: int) -> str:
        """How the shop writes order `number`: 100234 -> '100234', 10452 -> 'TH-10452'."""
        return self.orders.show(number)
