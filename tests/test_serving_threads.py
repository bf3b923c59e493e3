"""csbot's processes compute MiniLM with one thread each unless the operator says otherwise:
under load, a thread per core in every process made each encode about 10x slower."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.runtime.processes import one_math_thread

TORCH_THREADS = "import torch; print(torch.get_num_threads())"


def _torch_threads(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", TORCH_THREADS], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def test_a_started_process_computes_with_one_thread():
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    assert _torch_threads(one_math_thread(env)) == 1


def test_the_operators_thread_count_wins():
    assert one_math_thread({"OMP_NUM_THREADS": "4"})["OMP_NUM_THREADS"] == "4"
