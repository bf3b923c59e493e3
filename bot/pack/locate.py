"""Which shop pack this process serves: `CSBOT_SHOP`, a pack name under `shops/` or a path.

Read by every process (web app, Rasa's entity rules, the action server, the CLI) from the
same environment variable, so they always serve the same shop. Kept free of heavy imports:
Rasa's graph components call it when the model loads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHOPS_DIR = PROJECT_ROOT / "shops"
DEFAULT_SHOP = "kettle-and-volt"
ENV = "CSBOT_SHOP"


def pack_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The active pack's folder: `CSBOT_SHOP=trailhead` means `shops/trailhead`; a value with
    a slash is a path (relative to the working directory), for a pack kept outside csbot."""
    value = (env.get(ENV) or DEFAULT_SHOP).strip()
    if "/" in value or os.sep in value:
        return Path(value).expanduser().resolve()
    return SHOPS_DIR / value
