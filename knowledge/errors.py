"""The one error type for bad knowledge sources: the message names the file and entry."""


class KnowledgeError(ValueError):
    """A knowledge source file is malformed."""
