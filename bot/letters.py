"""Letters as customers type them: without accents, often without apostrophes.

A catalogue writes "Páramo", "Kånken", "Fjällräven" and "Arc'teryx"; customers on an English
keyboard type "paramo", "kanken", "fjallraven" and "arcteryx". Anything that matches what a
customer typed against a shop's words compares both sides folded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that do not decompose into ASCII ones (NFKD handles é, ñ, ü, å, ...)
SPELLED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d", "ð": "d"}
    | {"þ": "th", "Þ": "Th", "œ": "oe", "Œ": "Oe", "ı": "i", "’": "'", "‘": "'"}
)


@lru_cache(maxsize=4096)
def _base(char: str) -> str:
    """The one ASCII letter a character is typed as, or the character itself."""
    spelled = char.translate(SPELLED)
    plain = unicodedata.normalize("NFKD", spelled)[:1] or char
    return plain if plain.isascii() else char


def without_apostrophes(text: str) -> str:
    """'Arc'teryx' as typed in a hurry: 'arcteryx'; a possessive goes ("Samsung's 55in S90D",
    "Women's Beta": 'samsung', 'women')."""
    return re.sub(r"'s\b", "", text).replace("'", "")


def folded(text: str) -> str:
    """`text` without accents, one character for one ("Kånken" -> "Kanken", "Bjørn" ->
    "Bjorn", "Æsir" -> "Asir"), so that positions in it are positions in `text`."""
    return text if text.isascii() else "".join(map(_base, text))
