"""Save a reviewed conversation as a Rasa test story (`tests/stories/`), so what the bot did
right (or, after a correction, should do) is checked by `rasa test` from then on.

The story is rebuilt from the logged Rasa events with Rasa's own story writer, up to the
handoff (a person's turns are not the bot's to test); `intents` overrides the intent of
corrected messages, keyed by their text. A customer message that Rasa would read as entity
markup ("[the wrong]{item}") is refused, as for NLU examples, and the written file is read
back with Rasa's story reader (the old content restored if it cannot be).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from bot.workbench import yaml_files
from bot.workbench.errors import TeachError

STORIES_FILE = "test_workbench.yml"
HEADER = (
    '# Conversations saved as tests from the console\'s review workbench.\nversion: "3.1"\n'
    "stories: []\n"
)


def story_steps(events: list[dict], intents: dict[str, str] | None = None) -> list:
    """The bot's half of the conversation as test-story steps (Rasa's writer)."""
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    from bot.workbench.nlu_examples import check_plain

    kept = []
    for event in events:
        if event.get("event") == "pause":
            break
        if event.get("event") == "user" and event.get("text"):
            check_plain(event["text"])
        if event.get("event") == "user" and intents and event.get("text") in intents:
            parse = dict(event.get("parse_data") or {})
            parse["intent"] = {"name": intents[event["text"]], "confidence": 1.0}
            event = {**event, "parse_data": parse}
        kept.append(event)
    tracker = DialogueStateTracker.from_dict("workbench", kept)
    steps = tracker.as_story().story_steps
    if not any(step.events for step in steps):
        raise TeachError("the conversation has no bot turns to test")
    text = YAMLStoryWriter().dumps(steps, is_test_story=True)
    data, _ = yaml_files.round_trip(text)
    return data["stories"][0]["steps"]


def story_prefix(conversation_id: str) -> str:
    """How a saved story's name starts: privacy export and deletion find it by this."""
    safe_id = re.sub(r"[^\w.-]", "_", conversation_id)[:60]
    return f"conversation {safe_id},"


def save_story(
    events: list[dict],
    stories_dir: Path,
    conversation_id: str,
    author: str,
    at: datetime,
    intents: dict[str, str] | None = None,
) -> str:
    """Append the conversation (its logged `events`, oldest first) as a test story to
    STORIES_FILE; returns the story's name."""
    if not events:
        raise TeachError("no such conversation in the log")
    steps = story_steps(events, intents)
    path = stories_dir / STORIES_FILE
    data, yaml = yaml_files.load(path) if path.exists() else yaml_files.round_trip(HEADER)
    if not path.exists():
        yaml.indent(mapping=2, sequence=4, offset=2)
    name = f"{story_prefix(conversation_id)} saved by {author} on {at:%Y-%m-%d %H:%M} UTC"
    stories = data["stories"]
    if any(s.get("story") == name for s in stories):
        raise TeachError("this conversation was just saved")
    from ruamel.yaml.comments import CommentedMap

    story = CommentedMap()
    story["story"] = name
    story["steps"] = steps
    stories.append(story)
    _write_checked(path, yaml_files.dumps(data, yaml))
    return name


def _write_checked(path: Path, text: str) -> None:
    """Write the stories file and read it with Rasa's story reader; put the previous content
    back (or remove a new file) and raise TeachError when Rasa cannot read it."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.exceptions import RasaException

    previous = path.read_text(encoding="utf-8") if path.exists() else None
    yaml_files.write_atomic(path, text)
    try:
        YAMLStoryReader().read_from_file(str(path))
    except (RasaException, ValueError) as exc:
        if previous is None:
            path.unlink()
        else:
            yaml_files.write_atomic(path, previous)
        raise TeachError(f"Not written: Rasa could not read {path.name} with it ({exc})") from None
