"""Categories of an import: the export's names turned into csbot's slugs (or into the owner's
own, by a category map), and the new ones added to categories.yml when asked.

A category map is a YAML mapping from a name in the export (a whole path such as
"Apparel & Accessories > Clothing > Outerwear", its last level, or its slug) to the slug csbot
should use; a name mapped to nothing (`~`) leaves its products out:

    Rain Jackets: jackets
    Insulated Jackets: jackets
    Gift Cards: ~
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.pack.imports.files import replace_file
from bot.pack.imports.report import ImportFailed
from bot.pack.imports.text import slugify
from knowledge.catalogue import load_categories

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LEAVE_OUT = None


def _key(name: str) -> str:
    return " > ".join(" ".join(part.split()).casefold() for part in name.split(">"))


def _leaf(name: str) -> str:
    return name.split(">")[-1].strip()


@dataclass(frozen=True)
class CategoryMap:
    names: dict[str, str | None]  # _key(source name) -> slug, or None to leave out

    @classmethod
    def load(cls, path: Path | None) -> CategoryMap:
        if path is None:
            return cls({})
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ImportFailed(f"{path}: cannot read the category map ({exc})") from None
        if not isinstance(data, dict):
            raise ImportFailed(f"{path}: expected a mapping of export category -> csbot slug")
        names: dict[str, str | None] = {}
        for source, slug in data.items():
            if slug is not None and not (isinstance(slug, str) and SLUG.fullmatch(slug)):
                raise ImportFailed(
                    f"{path}: {source!r} maps to {slug!r}, which is not a category slug "
                    "(lowercase words joined by hyphens, or ~ to leave those products out)"
                )
            names[_key(str(source))] = slug
        return cls(names)

    def resolve(self, categories: Sequence[str]) -> tuple[str | None, str]:
        """(slug, "") or (None, why the product has none)."""
        for name in categories:
            for candidate in (name, _leaf(name), slugify(name), slugify(_leaf(name))):
                if _key(candidate) in self.names:
                    slug = self.names[_key(candidate)]
                    if slug is LEAVE_OUT:
                        return None, f"category {name!r} is left out by the category map"
                    return slug, ""
        for name in categories:
            if slugify(_leaf(name)):
                return slugify(_leaf(name)), ""
        return None, "no category (give one in the export, or map it with --category-map)"


def add_categories(path: Path, slugs: Sequence[str]) -> tuple[list[str], list[str]]:
    """Declare `slugs` in categories.yml, each with its own name as its only word ("rain-gear:
    [rain gear]"), keeping the file's comments and layout. (added, refused with why)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "categories:\n"
    declared = load_categories(path) if path.exists() else {}
    taken = {w: s for s, words in declared.items() for w in words}
    lines = text.splitlines()
    block = re.compile(r"categories:\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if block.match(line)), None)
    if start is None:
        raise ImportFailed(f"{path}: no block 'categories:' to add to")
    end, indent = start + 1, None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "\t", "#")):
            break  # the next top-level key
        if line.strip() and not line.lstrip().startswith("#"):
            end = i + 1
            if indent is None and re.match(r"\A\s+[\w-]+\s*:", line):
                indent = line[: len(line) - len(line.lstrip())]
    indent = indent or "  "
    added, refused, new = [], [], []
    for slug in slugs:
        word = slug.replace("-", " ")
        if slug in declared:
            continue
        if word in taken:
            refused.append(f"{slug}: the word {word!r} already means {taken[word]!r}")
            continue
        shown = word if yaml.safe_load(word) == word else f'"{word}"'
        new.append(f"{indent}{slug}: [{shown}]")
        taken[word] = slug
        added.append(slug)
    if new:
        lines[end:end] = new
        replace_file(path, "\n".join(lines) + "\n", load_categories)
    return added, refused
