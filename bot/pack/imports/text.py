"""Plain text out of a shop platform's HTML or a help centre's Markdown, cut to a length a
chat reply can carry, and the slugs csbot names things by.

Python's own `html.parser` does the HTML: the venv holds no HTML-to-text library of csbot's
own (`markdown` is there only as a dependency of a dependency, and it goes the other way), and
shop descriptions need little more than tags dropped, entities decoded and blocks kept apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

# Elements whose text is never content (scripts, styles, forms), those that are a page's
# chrome around the article (navigation, header, footer), and, by their role, class or id, the
# chrome inside an article (breadcrumbs, sharing, votes, related articles) and around it.
NEVER = {"script", "style", "noscript", "template", "svg", "form", "button", "select", "iframe"}
NEVER |= {"head"}
AROUND = {"nav", "header", "footer", "aside"}
INSIDE = re.compile(r"breadcrumb|share|vote|comments|related|\bnav(?:igation)?\b", re.I)
CHROME = re.compile(
    r"breadcrumb|\bnav(?:bar|igation)?\b|menu|sidebar|cookie|banner|contentinfo|"
    r"\bheader\b|\bfooter\b|related|share|vote|comments",
    re.I,
)
# ... and the one that holds the article, when a page marks it.
CONTENT = re.compile(r"\bmain\b|article[-_]?(?:body|content|text)|\bcontent[-_]body\b", re.I)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
# Elements that end a block of text: their text is a paragraph of its own.
BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "td", "th"}
BLOCKS |= {"blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "br", "hr", "body"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
TAG = re.compile(r"<[^>]*>")


@dataclass
class Page:
    """What an HTML page holds for csbot: its <title>, first <h1>, canonical address and text
    blocks as ("heading" | "text", text)."""

    title: str = ""
    h1: str = ""
    url: str = ""
    blocks: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    skip: bool  # chrome: its text is not content
    main: bool  # holds the article


class _PageParser(HTMLParser):
    """Collects text blocks; only those inside the article when the page marks one (<main>,
    <article>, role="main", class="article-body"), else all of <body> but its chrome."""

    def __init__(self, whole_page: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.whole_page = whole_page  # False: a fragment (a description), all of it content
        self.page = Page()
        self.main_blocks: list[tuple[str, str]] = []
        self.open: list[_Open] = []
        self.in_title = False
        self.buffer: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(o.skip for o in self.open)

    def _flush(self, kind: str = "text") -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if not text:
            return
        if kind == "h1":
            if not self.page.h1:
                self.page.h1 = text
                return
            kind = "heading"
        self.page.blocks.append((kind, text))
        if any(o.main for o in self.open):
            self.main_blocks.append((kind, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").split():
            self.page.url = self.page.url or values.get("href", "").strip()
        if tag == "meta" and values.get("property") == "og:url":
            self.page.url = self.page.url or values.get("content", "").strip()
        if tag == "title":
            self.in_title = True
            return
        if tag in VOID:
            if tag in BLOCKS and not self.skipping:
                self._flush()
            return
        marks = " ".join(values.get(k, "") for k in ("role", "class", "id"))
        main = tag in ("main", "article") or bool(CONTENT.search(marks))
        if tag in NEVER:
            skip = True
        elif not self.whole_page:
            skip, main = False, False
        elif any(o.main for o in self.open):  # an article's own <header> holds its <h1>
            skip = tag in ("nav", "aside") or bool(INSIDE.search(marks))
        else:
            skip = not main and (tag in AROUND or bool(CHROME.search(marks)))
        if not self.skipping and (tag in BLOCKS or tag in HEADINGS or main or skip):
            self._flush()
        self.open.append(_Open(tag, skip, main))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        closing = next((o for o in reversed(self.open) if o.tag == tag), None)
        if closing is None:
            return  # a stray end tag
        if not self.skipping and (tag in BLOCKS or tag in HEADINGS or closing.main):
            self._flush("h1" if tag == "h1" else "heading" if tag in HEADINGS else "text")
        while self.open and self.open.pop().tag != tag:
            pass  # elements left open inside it (<p>, <li>) end with it

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
        elif not self.skipping:
            self.buffer.append(data)

    def close(self) -> None:
        super().close()
        if not self.skipping:
            self._flush()
        self.page.title = " ".join(self.page.title.split())
        if self.main_blocks:
            self.page.blocks = self.main_blocks


def read_page(html: str, whole_page: bool = True) -> Page:
    parser = _PageParser(whole_page)
    parser.feed(html)
    parser.close()
    return parser.page


def html_to_text(html: str) -> str:
    """A product description's HTML as one plain paragraph (blocks joined into sentences)."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    page = read_page(html, whole_page=False)
    return join_blocks([page.h1, *(b for _, b in page.blocks)])


def inline_text(html: str) -> str:
    """Tags dropped and entities decoded, nothing else: HTML inside a line of Markdown."""
    return unescape(TAG.sub("", html))


def join_blocks(blocks: Iterable[str]) -> str:
    """Blocks (paragraphs, list items) as running text: one that ends without punctuation
    gets a full stop, so sentences stay apart once the line breaks are gone."""
    parts = []
    for block in blocks:
        block = " ".join(block.split())
        if block:
            parts.append(block if block[-1] in ".!?:;…" else block + ".")
    return " ".join(parts)


# Markdown: enough of CommonMark for a help-centre article's prose.
FENCE = re.compile(r"^\s*(```|~~~)")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"\[([^\[\]]+)\]\([^)]*\)")
REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\]]*\]")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
CODE = re.compile(r"`([^`]*)`")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _is_rule(line: str) -> bool:
    """A thematic break (`---`, `* * *`, `___`): three or more of one mark, spaces between.
    Counted, not matched: the obvious regex repeats a group that can match nothing."""
    text = line.rstrip()
    marks = text.replace(" ", "").replace("\t", "")
    indent = len(text) - len(text.lstrip())
    return indent <= 3 and len(marks) >= 3 and marks[0] in "-*_" and marks == marks[0] * len(marks)


def _inline(line: str) -> str:
    line = IMAGE.sub("", line)
    line = LINK.sub(r"\1", line)
    line = REF_LINK.sub(r"\1", line)
    line = AUTOLINK.sub(r"\1", line)
    line = CODE.sub(r"\1", line)
    for _ in range(2):  # nested emphasis (**_word_**)
        line = EMPHASIS.sub(r"\2", line)
    return inline_text(line).replace("\\", "")


def markdown_blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) blocks of a Markdown body: "heading" or "text" (paragraphs and list items),
    with links, emphasis, images, code fences, tables and HTML tags taken out."""
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []
    fenced = False

    def flush() -> None:
        text = " ".join(" ".join(paragraph).split())
        paragraph.clear()
        if text:
            blocks.append(("text", text))

    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            flush()
            continue
        if SETEXT.match(line) and paragraph and not fenced:
            blocks.append(("heading", " ".join(paragraph)))
            paragraph.clear()
            continue
        if fenced or line.lstrip().startswith("|") or REF_DEF.match(line) or _is_rule(line):
            flush()
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            blocks.append(("heading", _inline(heading.group(1))))
            continue
        if not line.strip():
            flush()
            continue
        if ITEM.match(line):
            flush()
            line = ITEM.sub("", line)
        paragraph.append(_inline(line.lstrip("> ").strip()))
    flush()
    return blocks


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters: whole sentences when at least half the room is used
    that way, else cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if len(kept) >= limit // 2:
        return kept
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def first_sentences(text: str, count: int, limit: int) -> str:
    """The first `count` sentences of `text`, within `limit` characters."""
    return shorten(" ".join(sentences(text)[:count]), limit)


def slugify(text: str) -> str:
    """'Coats & Jackets' -> 'coats-and-jackets'; 'Crème Brûlée' -> 'creme-brulee'."""
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = text.encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", text))
