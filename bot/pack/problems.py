"""What is wrong with a shop pack: each problem with its file and line, all of them at once.

Every pack loader (shop.yml, tickets.yml, the labelled tickets) reports in these terms, so
`csbot check` lists them the same way and `csbot run` refuses a broken pack with the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackProblem:
    """One thing wrong with a pack: where (file, 1-based line; 0 for the whole file) and what."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PackInvalid(Exception):
    """The pack cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
