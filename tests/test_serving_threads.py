"""csbot's processes compute MiniLM with one thread each unless the operator says otherwise:
under load, a thread per core in every process made each encode about 10x slower."""

from __future__ import annotations

import os
import subprocess
import sys

import onnx
import pytest
from onnx import TensorProto, helper

from bot.runtime.environment import one_math_thread

# MiniLM's real session code over a one-node graph (the real model needs an export).
PROBE = (
    "import sys; from knowledge.embeddings import MiniLM, model_path; "
    "m = MiniLM(sys.argv[1], model_path() / 'tokenizer.json'); "
    "print(m.session.get_session_options().intra_op_num_threads)"
)


@pytest.fixture(scope="module")
def tiny_graph(tmp_path_factory):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "probe", [x], [y])
    path = tmp_path_factory.mktemp("onnx") / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _session_threads(env: dict[str, str], graph) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(graph)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


def test_a_started_process_computes_with_one_thread(tiny_graph):
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    assert _session_threads(one_math_thread(env), tiny_graph) == 1


def test_the_operators_thread_count_wins(tiny_graph):
    env = one_math_thread({**os.environ, "OMP_NUM_THREADS": "2"})
    assert _session_threads(env, tiny_graph) == 2
