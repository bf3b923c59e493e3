"""`csbot import faq`: a help centre's articles become the pack's faq/imported.yml.

One article per file: Markdown (.md, .markdown; an optional front matter with `title`, `url`
and `phrasings`, then a `#` title and the body) or HTML (.html, .htm; the title from <h1>,
else <title>; the address from <link rel="canonical">; the text of the article when the page
marks it (<main>, <article>, class="article-body"), else of <body>, without navigation,
header, footer and breadcrumbs). Each becomes an entry: id from the file name (index.* takes
its folder's), topic from the folder, question = the title, answer = the first
ANSWER_SENTENCES sentences of the text before the first subheading, within ANSWER_LIMIT
characters, and url = the article's address (front matter or canonical link, a relative one
resolved against --base-url; else --base-url + the file's slug). The url is what customers
are shown as the answer's source, so an article without one is reported.

Re-importing replaces imported.yml; phrasings and held-out phrasings an entry gathered since
(taught from the console) are kept for the same id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import yaml

from bot.pack.imports.files import replace_file
from bot.pack.imports.report import ImportFailed, ImportReport
from bot.pack.imports.text import (
    first_sentences,
    join_blocks,
    markdown_blocks,
    read_page,
    slugify,
)
from knowledge.errors import KnowledgeError
from knowledge.faq import is_source_url, load_faq_file, load_faqs

IMPORTED = "imported.yml"
MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
ANSWER_SENTENCES = 3
ANSWER_LIMIT = 600
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
TITLE_SUFFIX = re.compile(r"(?<!\s)\s+[|\u2013\u2014-]\s+[^|\u2013\u2014]*$")  # "Returns | Help"
HEADER = """\
# Imported by `csbot import faq` from {source}.
# Running the import again replaces this file (phrasings taught from the console are kept for
# the same id); to change an answer for good, edit the article and import again, or move the
# entry into another file of faq/.
"""


@dataclass(frozen=True)
class FaqImport:
    source: Path  # a folder of articles (searched recursively) or one article
    pack: Path
    base_url: str | None = None
    dry_run: bool = False


@dataclass
class Article:
    path: Path
    title: str
    text: str  # the body as running text, headings left out
    url: str = ""
    phrasings: list[str] = field(default_factory=list)


def _front_matter(text: str, report: ImportReport, name: str) -> tuple[dict, str]:
    found = FRONT_MATTER.match(text)
    if not found:
        return {}, text
    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        report.fix(1, "front matter is not YAML: ignored", name)
        data = None
    return (data if isinstance(data, dict) else {}), text[found.end() :]


def read_markdown(path: Path, text: str, report: ImportReport, name: str) -> Article:
    meta, body = _front_matter(text, report, name)
    blocks = markdown_blocks(body)
    title = str(meta.get("title") or "").strip()
    if blocks and blocks[0][0] == "heading":
        heading = blocks.pop(0)[1]
        title = title or heading
    phrasings = meta.get("phrasings") or []
    if not (isinstance(phrasings, list) and all(isinstance(p, str) for p in phrasings)):
        report.fix(1, "phrasings in the front matter is not a list of text: ignored", name)
        phrasings = []
    return Article(
        path,
        " ".join(title.split()),
        _first_section(blocks),
        str(meta.get("url") or "").strip(),
        [" ".join(p.split()) for p in phrasings if p.strip()],
    )


def read_html(path: Path, text: str) -> Article:
    page = read_page(text)
    title = page.h1 or TITLE_SUFFIX.sub("", page.title)
    return Article(path, title, _first_section(page.blocks), page.url)


def _first_section(blocks: list[tuple[str, str]]) -> str:
    """The text before the article's first subheading: what answers the title's question (a
    list under "What you need" makes no sense without its heading)."""
    kept: list[str] = []
    for kind, text in blocks:
        if kind == "heading":
            if kept:
                break
            continue
        kept.append(text)
    return join_blocks(kept)


def _articles(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise ImportFailed(f"{source}: no such file or folder")
    found = [p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in MARKDOWN + HTML]
    return sorted(p for p in found if not any(part.startswith(".") for part in p.parts))


def _previous(path: Path) -> dict[str, dict]:
    """Entries of the last import by id, for the phrasings taught since."""
    if not path.exists():
        return {}
    try:
        return {e.id: {"phrasings": e.phrasings, "heldout": e.heldout} for e in load_faq_file(path)}
    except KnowledgeError:
        return {}


def import_faq(request: FaqImport) -> ImportReport:
    """Read the articles and (unless a dry run) write faq/imported.yml, checked with the rest
    of faq/ before it replaces the old one; ImportFailed when no article could be read."""
    source = request.source
    if request.base_url and not is_source_url(request.base_url):
        raise ImportFailed(f"--base-url {request.base_url!r} is not an http(s) address")
    root = source.parent if source.is_file() else source
    report = ImportReport(source=str(source))
    faq_dir = request.pack / "faq"
    target = faq_dir / IMPORTED
    others = sorted(p for p in faq_dir.glob("*.yml") if p.name != IMPORTED)
    try:
        taken = {e.id for e in load_faqs(others)} if others else set()
    except KnowledgeError:
        taken = set()
    previous = _previous(target)
    entries: list[dict] = []
    for path in _articles(source):
        name = str(path.relative_to(root))
        entry = _entry(path, name, request, report, taken)
        if entry is None:
            continue
        taken.add(entry["id"])
        kept = previous.get(entry["id"], {})
        entry["phrasings"] = _merge(
            entry["phrasings"], kept.get("phrasings", ()), question=entry["question"]
        )
        if kept.get("heldout"):
            entry["heldout"] = list(kept["heldout"])
        entry["answer"] = entry.pop("answer")  # last, as in the hand-written files
        entries.append(entry)
    if not entries:
        raise ImportFailed(f"{source}: no article could be imported", report)
    text = HEADER.format(source=source.name) + yaml.safe_dump(
        {"faqs": entries}, sort_keys=False, allow_unicode=True, width=100
    )
    report.written = len(entries)
    if request.dry_run:
        report.dry_run = True
        return report

    def check(written: Path) -> None:
        load_faqs([*others, written])

    try:
        backup = replace_file(target, text, check)
    except KnowledgeError as exc:
        raise ImportFailed(f"the imported FAQ would not load: {exc}", report) from None
    report.target, report.backup = str(target), str(backup) if backup else ""
    return report


def _entry(
    path: Path, name: str, request: FaqImport, report: ImportReport, taken: set[str]
) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report.skip(0, f"cannot be read as UTF-8 text ({exc.__class__.__name__})", name)
        return None
    if path.suffix.lower() in HTML:
        article = read_html(path, text)
    else:
        article = read_markdown(path, text, report, name)
    if not article.title:
        report.skip(0, "no title (a # heading, front matter title, <h1> or <title>)", name)
        return None
    answer = first_sentences(article.text, ANSWER_SENTENCES, ANSWER_LIMIT)
    if not answer:
        report.skip(0, "no text under the title", name)
        return None
    stem = path.parent.name if path.stem.lower() == "index" else path.stem
    slug = slugify(stem) or "article"
    topic = slugify(path.parent.name) or "help"
    entry_id = slug
    if entry_id in taken:
        entry_id = f"{topic}-{slug}"
        n = 2
        while entry_id in taken:
            entry_id, n = f"{topic}-{slug}-{n}", n + 1
        report.fix(0, f"id {slug!r} is taken: {entry_id!r} used", name)
    url = article.url
    if url and request.base_url and not is_source_url(url):  # "/hc/articles/1"
        url = urljoin(request.base_url, url)
    if url and not is_source_url(url):
        report.fix(0, f"url {url!r} is not an http(s) address: left out", name)
        url = ""
    if not url and request.base_url:
        url = f"{request.base_url.rstrip('/')}/{slug}"
    if not url:
        report.note(0, "no url (front matter, canonical link or --base-url) to show", name)
    entry = {"id": entry_id, "topic": topic, "question": article.title}
    if url:
        entry["url"] = url
    entry["phrasings"] = article.phrasings
    entry["answer"] = answer
    return entry


def _merge(*groups, question: str = "") -> list[str]:
    seen = {question.casefold()}
    merged = []
    for group in groups:
        for text in group:
            if text.casefold() not in seen:
                seen.add(text.casefold())
                merged.append(text)
    return merged
