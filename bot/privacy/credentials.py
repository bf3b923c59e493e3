"""Secrets customers type next to a cue word: passwords and PINs, a card's expiry date and its
security code (CVV). No checksum tells these apart from ordinary words and numbers, so each is
taken only where a cue says what it is ("password is", "the password for my account is",
"username ... password ...", "pin", "exp", "valid thru", "cvv", "the code on the back"), or,
for an expiry date and a security code, right after a card number; what only looks like one
stays ("my password is not working", "the pin on the plug is bent", "delivery on 12/27").

Every pattern runs in linear time on any text: each quantifier is bounded, and no two
quantified pieces next to each other can match the same characters over an unbounded run
(tests/test_redos.py scans them). `bot.privacy.redact` reads long texts in windows, so no
pattern here sees more than a few thousand characters at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

PASSWORD, EXPIRY, CVV = "PASSWORD", "EXPIRY", "CVV"
Found = tuple[int, int, str]  # [start, end) and the kind

# Words that follow "password is" without being one: grammar, chat, and what people say
# about a password. FUNCTION words also end a passphrase; a PLAIN word may start one ("my
# password is correct horse battery staple") but is no password alone.
FUNCTION = frozenset(
    """a an the my your our their his her its this that these those it is was be been being
    am are were not no never now still also just too very so really quite and or but nor for
    in on at to of with from by as into about than then if when while because since until
    till unless though although which who whom whose what where why how there here i me we
    us you he him she they them mine yours please pls plz thanks thank thx ty ok okay lol
    btw haha again anymore anyway either else everywhere somewhere anywhere sometimes always
    often ever already yet today yesterday tomorrow tonight enough all any some every each
    both one can can't could would should will won't do does did don't doesn't didn't has
    have had hasn't haven't isn't wasn't must might may shall let only""".split()
)
PLAIN = frozenset(
    """wrong incorrect correct right invalid valid weak strong short long new old same
    different fine good bad case sensitive required missing empty blank reset expired locked
    blocked accepted rejected working broken stuck changed forgotten saved stored hidden sent
    needed mandatory visible something anything nothing everything field link email policy
    rules requirements manager protected name birthday username number address phone used
    keeps kept says said shows showed fails failed works worked needs needed gets got goes went
    seems looks stops stopped comes came box hint prompt screen page form recovery request
    requests issue issues problem problems error errors update change changes length strength
    secret""".split()
)
NOT_A_SECRET = FUNCTION | PLAIN
SENTENCE_END = ".,;:?)"  # not "!": passwords end in one ("Kettle2024!")
CLAUSE_END = SENTENCE_END + "!"
MAX_PASSPHRASE_WORDS = 7

_CUE = r"\b(?:pass(?:word|wd|code|phrase)?|pwd|pw)\b"
_IS = r"\s{1,3}(?:is|was|will\s{1,3}be)\b(?:\s{1,3}(?:now|still))?\s{0,3}:?"
_SECRET = (
    r"""\s{0,3}(?:["“](?P<dq>[^"”\n]{1,128})["”]|['‘](?P<sq>[^'’\n]{1,128})['’]"""
    r"""|(?P<word>[^\s"'”’]{1,128}))"""
)
# Said outright ("password is X", "pw: X", "password's X", "password - X"), or after "the
# password for/on/to <what>" or "the password I <verb>": taken unless ordinary English.
OUTRIGHT = re.compile(rf"{_CUE}(?:'s|\s{{0,3}}[:=]|\s{{1,3}}[-–—]|{_IS}){_SECRET}", re.I)
FOR_WHAT = re.compile(
    rf"{_CUE}\s{{1,3}}(?:for|to|on|of|at|in|with|i|i'm|i've|we|you|that|which)\b"
    rf"(?:\s{{1,3}}[\w'.-]{{1,30}}){{0,4}}?(?:{_IS}|\s{{0,3}}:){_SECRET}",
    re.I,
)
# Said loosely ("password X", "changed my password to X"): only when it looks like one.
LOOSELY = re.compile(
    rf"{_CUE}(?:(?:\s{{1,3}}[\w']{{1,30}}){{0,3}}?\s{{1,3}}(?:is|was|to)\b)?\s{_SECRET}", re.I
)
# "changed my password to X", "set the pw to X".
CHANGED_TO = re.compile(
    r"\b(?:set|setting|changed?|changing|reset|resetting|updated?|updating|made)\s{1,3}"
    r"(?:(?:my|the|our|your|his|her|their|its)\s{1,3})?(?:[\w'-]{1,20}\s{1,3})?"
    rf"{_CUE}\s{{1,3}}to\b{_SECRET}",
    re.I,
)
# "password X" after a login ("my login is a@b.com password X", "username j_doe and pw X")
# is said outright; so is "login: a@b.com / X".
LOGIN = re.compile(
    r"\b(?:log\s?-?in|username|user\s?name|user\s?id|user|sign\s?-?in|account|e-?mail|credentials)\b",
    re.I,
)
AFTER_LOGIN = re.compile(rf"{_CUE}\s{{1,3}}{_SECRET}", re.I)
LOGIN_SLASH = re.compile(
    r"\b(?:log\s?-?in|username|user\s?name|user\s?id|user|sign\s?-?in|credentials)"
    r"(?:\s{1,3}details)?"
    r"(?:\s{1,3}(?:is|are)\b|\s{0,3}[:=])?\s{0,3}[^\s/]{1,80}\s{0,3}/\s{0,3}"
    r"(?P<word>[^\s\"'”’/]{1,128})",
    re.I,
)
# Said the other way round: "sunshine is my password", "I use dolphin as my password".
REVERSE = re.compile(
    r"(?<![^\s\"'“‘(])(?P<word>[^\s\"'”’]{1,128})\s{1,3}(?:(?:is|was)\s{1,3}(?:my|the|our)"
    r"|as\s{1,3}(?:my|the|a))(?:\s{1,3}[\w']{1,20})?\s{1,3}(?P<cue>pass(?:word|code|phrase)?"
    r"|pwd|pw|pin)\b",
    re.I,
)
_VALUE_SEP = (
    r"(?:\s{0,3}[:=#-]\s{0,3}|\s{1,3}(?:is|was|are|will\s{1,3}be)\b(?:\s{1,3}(?:now|still))?"
    r"\s{0,3}:?\s{0,3}|\s{1,3})"
)
_DIGITS_END = r"(?!\d)(?![/.:-]\d)"
PIN = re.compile(
    rf"\bpin(?:'s|\s{{1,3}}(?:code|number|no\.?))?{_VALUE_SEP}(?P<digits>\d{{4,8}}){_DIGITS_END}",
    re.I,
)
# "the pin I set is 6262", "pin code for the card is 2468", "changed my pin to 9182".
PIN_FOR_WHAT = re.compile(
    r"\bpin(?:\s{1,3}(?:code|number))?(?:\s{1,3}[\w'.-]{1,30}){0,4}?\s{1,3}(?:is|was|to)\b"
    rf"\s{{0,3}}:?\s{{0,3}}(?P<digits>\d{{4,8}}){_DIGITS_END}",
    re.I,
)

# A card's security code: after its name ("cvv 123", "security code on my card is 385",
# "the 3 digits on the back: 729"), or after a card number and its expiry date.
_CVV_NAME = (
    r"\b(?:cvv2?|cvc2?|cvn|cid|csc|csv|sec(?:urity|\.)?\s{1,3}(?:code|number|no\.?|digits)"
    r"|card\s{1,3}verification\s{1,3}(?:code|value|number)"
    r"|(?:\d|three|four)[\s-]?digit\s{1,3}(?:security\s{1,3})?(?:code|number)(?!\s{1,3}on\b)"
    r"|(?:(?:\d|three|four)[\s-]?(?:digit|number)s?\s{1,3}(?:(?:security\s{1,3})?(?:code|number)"
    r"\s{1,3})?|code\s{1,3}|number\s{1,3})on\s{1,3}(?:the\s{1,3})?back"
    r"(?:\s{1,3}of\s{1,3}(?:the|my)\s{1,3}card)?)"
)
SECURITY_CODE = re.compile(
    rf"{_CVV_NAME}(?:\s{{1,3}}(?:code|number|no\.?))?(?:\s{{1,3}}on\s{{1,3}}(?:my|the)\s{{1,3}}card)?"
    rf"(?:'s\s{{1,3}}|{_VALUE_SEP})(?P<digits>\d{{3,4}}){_DIGITS_END}",
    re.I,
)

# A card's expiry date: "12/27", "1/28", "05/2029", "7-28", "Jan 2028"; "0426" only after a cue.
_MONTH_YEAR = (
    r"(?<![\d/.-])(?:0?[1-9]|1[0-2])\s{0,2}[/.-]\s{0,2}(?:20)?\d{2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,2}'?(?:20)?\d{2}"
)
_DATE = rf"(?P<date>(?:{_MONTH_YEAR}|(?:0[1-9]|1[0-2])\d{{2}}){_DIGITS_END})"
# "exp", "valid thru", "MM/YY" name a card's date; "expires", "expiry", "valid until" need
# a card in the message ("the warranty expires 06/2027" stays).
_CARD_CUE = (
    r"(?P<card_cue>\bexp(?![a-z])\.?(?:\s{0,3}date)?|\b(?:valid|good)\s{1,3}(?:thru|through)\b"
    r"|\bmm\s{0,2}/\s{0,2}yy(?:yy)?\b)"
)
_ANY_CUE = (
    r"(?P<cue>\bexpir(?:y|es|ed|ing|ation)\b(?:\s{1,3}date)?|\bvalid\s{1,3}(?:until|till|to)\b)"
)
EXPIRY_DATE = re.compile(
    rf"(?:{_CARD_CUE}|{_ANY_CUE})(?:\s{{1,3}}(?:is|was|on|in|of)\b)?\s{{0,3}}[:=-]?\s{{0,3}}{_DATE}",
    re.I,
)
# Right after a card number (or a cued expiry date): "4111 1111 1111 1111 12/27 123".
AFTER_CARD = re.compile(
    r"[\s,;/-]{1,4}(?P<date>(?:0?[1-9]|1[0-2])\s{0,2}/\s{0,2}(?:20)?\d{2})(?!\d)"
    r"(?:[\s,;/-]{1,4}(?P<code>\d{3,4})(?!\d))?"
)
AFTER_DATE = re.compile(r"[\s,;/-]{1,4}(?P<code>\d{3,4})(?![\d/])")
CARD_WORDS = re.compile(
    r"(?<!gift )(?<!store )(?<!loyalty )(?<!sim )(?<!memory )(?<!sd )(?<!business )"
    r"(?<!greeting )\bcard\b|\b(?:visa|master\s?card|amex|american\s{1,3}express|discover"
    r"|maestro|jcb|diners|unionpay|debit|credit)\b",
    re.I,
)
NOT_CARD_WORDS = re.compile(
    r"\b(?:coupon|voucher|promo|offer|discount|deal|sale|warranty|guarantee|trial"
    r"|subscription|membership|points|gift\s{1,3}card|store\s{1,3}credit)\b",
    re.I,
)
_WORD_AFTER = re.compile(r"[ \t]{1,2}(?P<word>[A-Za-z]{2,24})(?![\w@'’-])")


def _plain(word: str) -> bool:
    lowered = word.lower()
    suffixed = len(word) >= 5 and lowered.endswith(("ed", "ing", "ly"))  # not "red", "king"
    return lowered in NOT_A_SECRET or (word.isalpha() and suffixed)


def _looks_like_a_secret(word: str) -> bool:
    return any(not c.isalpha() for c in word) or any(c.isupper() for c in word[1:])


def _passphrase_end(text: str, end: int, first_is_plain: bool) -> int | None:
    """Where a passphrase that starts with the word ending at `end` ends: over the next words
    that are no grammar ("correct horse battery staple", "blue monday forever"). A plain
    first word ("correct") needs two such words and then the end of the clause; else None."""
    words = 0
    while words < MAX_PASSPHRASE_WORDS - 1:
        after = _WORD_AFTER.match(text, end)
        if after is None or _plain(after["word"]):
            break
        end, words = after.end(), words + 1
    if not first_is_plain:
        return end
    rest = text[end : end + 30].lstrip(" \t")
    clause_ends = not rest or rest[0] in CLAUSE_END or _plain(rest.split(None, 1)[0])
    return end if words >= 2 and clause_ends else None


def _secret(match: re.Match, text: str, outright: bool) -> Found | None:
    """The secret a cue pattern matched, if it is one."""
    group = next(g for g in ("dq", "sq", "word") if match.groupdict().get(g) is not None)
    start, end = match.span(group)
    if group != "word":
        return (start, end, PASSWORD)
    end = start + len(text[start:end].rstrip(SENTENCE_END))
    word = text[start:end]
    contraction = text[end : end + 1] in ("'", "’") and text[end + 1 : end + 2].isalpha()
    if len(word) < 3 or contraction or not any(c.isalnum() for c in word):
        return None
    if re.fullmatch(_CUE, word, re.I):  # "login: a@b.com / password X": that X is the one
        return None
    if not _plain(word) and (outright or _looks_like_a_secret(word)):
        if outright and word.isalpha():
            end = _passphrase_end(text, end, first_is_plain=False) or end
        return (start, end, PASSWORD)
    if outright and word.isalpha() and word.lower() not in FUNCTION and not word.endswith("ly"):
        phrase_end = _passphrase_end(text, end, first_is_plain=True)
        if phrase_end is not None:
            return (start, phrase_end, PASSWORD)
    return None


def password_spans(text: str) -> Iterator[Found]:
    """Passwords, passphrases and PINs in `text`, each after its cue."""
    login = LOGIN.search(text)
    checks = [(OUTRIGHT, True), (FOR_WHAT, True), (CHANGED_TO, True), (LOOSELY, False)]
    if login is not None:
        checks += [(AFTER_LOGIN, True), (LOGIN_SLASH, True)]
    for pattern, outright in checks:
        for match in pattern.finditer(text):
            if pattern is AFTER_LOGIN and match.start() < login.start():
                continue
            found = _secret(match, text, outright)
            if found is not None:
                yield found
    for match in REVERSE.finditer(text):
        word = match["word"].rstrip(SENTENCE_END)
        is_pin = match["cue"].lower() == "pin"
        if (word.isdigit() and 4 <= len(word) <= 8) if is_pin else not _plain(word):
            yield (match.start("word"), match.start("word") + len(word), PASSWORD)
    for pattern in (PIN, PIN_FOR_WHAT):
        for match in pattern.finditer(text):
            yield (*match.span("digits"), PASSWORD)


def card_detail_spans(text: str, cards: Sequence[tuple[int, int]]) -> Iterator[Found]:
    """A card's expiry dates and security codes in `text`, where `cards` are the card numbers
    found in it ([start, end) each)."""
    card_context = bool(cards) or CARD_WORDS.search(text) or SECURITY_CODE.search(text)
    not_a_card = not card_context and NOT_CARD_WORDS.search(text)
    for match in SECURITY_CODE.finditer(text):
        yield (*match.span("digits"), CVV)
    for match in EXPIRY_DATE.finditer(text):
        if not (card_context if match["cue"] else not not_a_card):
            continue
        yield (*match.span("date"), EXPIRY)
        code = AFTER_DATE.match(text, match.end()) if card_context else None
        if code is not None:
            yield (*code.span("code"), CVV)
    for _, end in cards:
        after = AFTER_CARD.match(text, end)
        if after is not None:
            yield (*after.span("date"), EXPIRY)
            if after["code"] is not None:
                yield (*after.span("code"), CVV)
