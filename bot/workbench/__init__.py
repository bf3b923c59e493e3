"""The review workbench's writes: teach the bot from a reviewed message.

- `nlu_examples`: a corrected intent/entities appended to `data/nlu/` (deduplicated,
  conflicts shown, not written);
- `faq_entries`: a phrasing added to an FAQ entry, or a new entry, in `knowledge/faq/`;
  `reindex`: the index rebuilt in the background (the bot hot-reloads it);
- `test_stories`: a conversation saved as a Rasa test story under `tests/stories/`;
- `teaching`: `TeachingService`, the console's teach buttons as workflows (the customer's
  message read from the log, written by the modules above, audited);
- `yaml_files`: round-trip edits that keep comments and layout, written atomically.
"""

from bot.workbench.errors import TeachError

__all__ = ["TeachError"]
