"""Teach the NLU from a reviewed message: the corrected example goes into `data/nlu/` as
Rasa YAML, appended under its intent in the file that already holds that intent.

An example already present under the same intent is not written twice; one present under
another intent is a conflict, returned for the admin to see and never written (two intents
claiming one sentence would only teach the model to guess).

Customer text is data, but Rasa reads brackets in an example as entity markup and has no way
to escape them: "I got [the wrong]{item} twice" stops every later training with a parse
error, "[100234](order_number)" silently adds a label, "[a][b]" silently drops words. So an
example is written only when Rasa's own parser reads back exactly the customer's text and
the entities the admin marked, and the file is read again with Rasa's reader after writing
(the old content is put back if that fails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.scalarstring import LiteralScalarString

from bot.workbench import yaml_files
from bot.workbench.errors import TeachError

ANNOTATION = re.compile(r"\[([^\[\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    """An example without entity annotations, normalised for comparison."""
    return " ".join(ANNOTATION.sub(r"\1", example).split()).casefold()


def _as_rasa_reads(example: str) -> tuple[str, list[tuple[str, str]]]:
    """The text and (entity, value) pairs Rasa's training-data parser makes of `example`."""
    from rasa.shared.nlu.training_data import entities_parser

    found = entities_parser.find_entities_in_training_example(example)
    return entities_parser.replace_entities(example), [(e["entity"], e["value"]) for e in found]


def _check_markup(example: str, text: str, marked: list[tuple[str, str]]) -> None:
    """Refuse an example that Rasa would read as anything but `text` with `marked`."""
    from rasa.shared.exceptions import RasaException

    try:
        read = _as_rasa_reads(example)
    except (RasaException, ValueError):
        read = None
    if read != (text, marked):
        raise TeachError(
            "Not written: the message has brackets that Rasa's training data reads as an "
            "entity annotation ([words](entity), [words]{...} or [words][...]), and they "
            "cannot be escaped; as an example it would break training or teach a wrong label."
        )


def check_plain(text: str) -> None:
    """TeachError when Rasa would read customer text `text` as anything but itself."""
    _check_markup(text, text, [])


def annotate(text: str, entities: dict[str, str]) -> str:
    """`text` with each entity's value marked `[value](entity)`; the value must be in it.
    TeachError when Rasa would not read it back as exactly that (see the module's note)."""
    text = " ".join(text.split())
    spans: list[tuple[int, int, str]] = []
    for entity, value in entities.items():
        if not re.fullmatch(r"[A-Za-z_][\w-]*", entity):
            raise TeachError(f"{entity!r} is not an entity name")
        start = text.casefold().find(value.casefold()) if value else -1
        if start < 0:
            raise TeachError(f"the entity value {value!r} is not in the message")
        spans.append((start, start + len(value), entity))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
        raise TeachError("entity values overlap")
    example = text
    for start, end, entity in reversed(spans):
        example = f"{example[:start]}[{example[start:end]}]({entity}){example[end:]}"
    if "\n" in example or example.startswith(("-", "#")):
        raise TeachError("an example is one line that does not start with - or #")
    _check_markup(example, text, [(entity, text[start:end]) for start, end, entity in spans])
    return example


@dataclass(frozen=True)
class NluResult:
    status: str  # added | duplicate | conflict
    intent: str
    example: str
    file: str | None = None
    conflict_intent: str | None = None
    conflict_example: str | None = None


def _examples(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def _blocks(nlu_dir: Path):
    """(file, document, yaml, item) for every `- intent:` block under nlu_dir."""
    for path in sorted(nlu_dir.glob("*.yml")):
        data, yaml = yaml_files.load(path)
        for item in (data or {}).get("nlu") or []:
            if "intent" in item and "examples" in item:
                yield path, data, yaml, item


def intents(nlu_dir: Path) -> list[str]:
    return sorted({item["intent"] for _, _, _, item in _blocks(nlu_dir)})


def teach_intent(
    nlu_dir: Path, text: str, intent: str, entities: dict[str, str] | None = None
) -> NluResult:
    """Append `text` (entities annotated) as an example of `intent`, unless it is there
    already (duplicate) or belongs to another intent (conflict, nothing written)."""
    example = annotate(text, entities or {})
    wanted = plain(example)
    target = None
    for path, data, yaml, item in _blocks(nlu_dir):
        for existing in _examples(str(item["examples"])):
            if plain(existing) != wanted:
                continue
            if item["intent"] == intent:
                return NluResult("duplicate", intent, existing, path.name)
            return NluResult("conflict", intent, example, path.name, item["intent"], existing)
        if item["intent"] == intent and target is None:
            target = (path, data, yaml, item)
    if target is None:
        raise TeachError(f"{intent!r} is not an intent of the bot's training data")
    path, data, yaml, item = target
    block = str(item["examples"])
    indent = re.match(r"\s*", next(iter(block.splitlines()), "")).group(0)
    item["examples"] = LiteralScalarString(f"{block.rstrip()}\n{indent}- {example}\n")
    _write_checked(path, yaml_files.dumps(data, yaml))
    return NluResult("added", intent, example, path.name)


def _write_checked(path: Path, text: str) -> None:
    """Write `text` to `path` and read it with Rasa's NLU reader, putting the previous
    content back (and raising TeachError) when Rasa cannot read it."""
    from rasa.shared.exceptions import RasaException
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    previous = path.read_text(encoding="utf-8")
    yaml_files.write_atomic(path, text)
    try:
        RasaYAMLReader().read(str(path))
    except (RasaException, ValueError) as exc:
        yaml_files.write_atomic(path, previous)
        raise TeachError(f"Not written: Rasa could not read {path.name} with it ({exc})") from None
