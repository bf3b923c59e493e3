"""Texts built to make a careless regular expression backtrack: the shapes that froze the web
app once ("ok . . . . so"), long runs of punctuation, spaces and repeated words, digit groups
that look almost like cards, phones or expiry dates (libphonenumber once took up to 1 ms a
character on them), a number far from its extension, markup that looks almost like Rasa's,
and 10k characters of each. Shared by the ReDoS tests of the text functions and of the live stack."""

from __future__ import annotations

LONG = 10_000


def adversarial_texts(length: int = LONG) -> list[str]:
    """Each shape at a short length that already hurt (45 characters) and at `length`."""
    shapes = [
        lambda n: "ok" + " ." * (n // 2) + " so",
        lambda n: "thanks" + " !" * (n // 2) + "?",
        lambda n: "thank you " * (n // 10) + "but",
        lambda n: "." * n + "x",
        lambda n: " " * n + "x",
        lambda n: "\n" * n + "x",
        lambda n: "!,:)" * (n // 4) + "a",
        lambda n: "a" * n + "!",
        lambda n: "kettle " * (n // 7) + "?",
        lambda n: "1" * n + "x",
        lambda n: "1 " * (n // 2) + "x",
        lambda n: "4111-" * (n // 5) + "x",
        lambda n: "+44 " * (n // 4) + "x",
        lambda n: "100234 " * (n // 7) + "x",
        lambda n: "order #" * (n // 7) + "x",
        lambda n: "a@b." * (n // 4) + "@",
        lambda n: "my password is " + "a " * (n // 2),
        lambda n: "pin " * (n // 4) + "x",
        lambda n: "$" + "9" * n + ".",
        lambda n: "under " * (n // 6) + "dollars",
        lambda n: "[" * n + "](",
        lambda n: "{" * n + "}",
        lambda n: "(" * n + ")x",
        lambda n: "é" * n + "²",
        lambda n: "\u200b" * n + "x",
        lambda n: "/" * n + "x",
        lambda n: "1/" * (n // 2) + "x",
        lambda n: "1-" * (n // 2) + "x",
        lambda n: "12/27 " * (n // 6) + "x",
        lambda n: "cvv " * (n // 4) + "x",
        lambda n: ("123456 " + "," * min(n, 4000) + "ext 1 ") * max(n // 4013, 1),
    ]
    return [shape(size) for shape in shapes for size in (45, length)]
