"""An actions package with no actions, for the action server's warm-up test: its warm_up()
writes the process id into the file CSBOT_TEST_WARM_FILE names."""

import os
from pathlib import Path


def warm_up() -> None:
    Path(os.environ["CSBOT_TEST_WARM_FILE"]).write_text(str(os.getpid()))
