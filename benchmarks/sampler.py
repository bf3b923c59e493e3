"""A small stack-sampling profiler for csbot's processes under load, for when py-spy and
pyinstrument are not installed (`benchmarks.load --profile`).

Every `interval` seconds a daemon thread records the Python stack of every other thread;
threads waiting (in a selector, on a lock, an idle executor worker) are not counted, so the
samples say where busy time goes, across the event loop and the worker threads alike. Each
process writes its counts as collapsed stacks (`frame;frame;frame count`, the flame-graph
format) to `<CSBOT_PROFILE_DIR>/<program>-<pid>.txt` every few seconds, counting only while
the file `<CSBOT_PROFILE_DIR>/recording` exists (so start-up is left out).
`python -m benchmarks.sampler DIR` prints the functions with the most samples per process.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

PROFILE_DIR_ENV = "CSBOT_PROFILE_DIR"
RECORDING = "recording"
INTERVAL_S = 0.02
WRITE_EVERY_S = 5.0
# A thread whose innermost Python frame is one of these is waiting, not working.
IDLE = {
    ("selectors.py", "select"),
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("thread.py", "_worker"),
    ("queue.py", "get"),
    ("socket.py", "accept"),
    ("socketserver.py", "serve_forever"),
    ("runners.py", "serve"),  # sanic's event loop (uvloop) waiting for the next request
}


def _frames(frame) -> list[tuple[str, str, int]]:
    stack = []
    while frame is not None:
        code = frame.f_code
        stack.append((code.co_filename, code.co_name, code.co_firstlineno))
        frame = frame.f_back
    return stack[::-1]


def _label(filename: str, name: str, line: int) -> str:
    parts = Path(filename).parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    else:
        parts = parts[-3:]
    return f"{'/'.join(parts)}:{name}:{line}"


class Sampler:
    def __init__(self, out: Path, interval: float = INTERVAL_S) -> None:
        self.out, self.interval = out, interval
        self.counts: Counter[str] = Counter()
        self.samples = 0  # sampling rounds
        self.cpu_start: Counter[str] = Counter()  # CPU seconds per thread kind when recording began

    def run(self) -> None:
        me, written = threading.get_ident(), time.monotonic()
        while True:
            time.sleep(self.interval)
            if not (self.out / RECORDING).exists():
                continue
            if not self.samples:
                self.cpu_start = thread_cpu()
            self.samples += 1
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                stack = _frames(frame)
                top = stack[-1]
                if (Path(top[0]).name, top[1]) in IDLE:
                    continue
                self.counts[";".join(_label(*f) for f in stack)] += 1
            if time.monotonic() - written > WRITE_EVERY_S:
                self.write()
                written = time.monotonic()

    def write(self) -> None:
        program = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else "python"
        path = self.out / f"{program}-{os.getpid()}.txt"
        lines = [f"# rounds {self.samples} interval {self.interval}"]
        cpu = thread_cpu()
        cpu.subtract(self.cpu_start)
        lines += [f"# cpu {kind} {seconds:.2f}" for kind, seconds in cpu.most_common()]
        lines += [f"{stack} {n}" for stack, n in self.counts.most_common()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def thread_cpu() -> Counter[str]:
    """CPU seconds used so far by this process's threads, by kind (thread name without its
    number: "MainThread", "asyncio", "conversation-log", ...), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    used: Counter[str] = Counter()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        name = names.get(int(task.name), "native (torch, TensorFlow, ...)")
        kind = name.rstrip("0123456789").rstrip("_-") or name
        used[kind] += (int(fields[11]) + int(fields[12])) / ticks
    return used


def sitecustomize(folder: Path) -> Path:
    """A folder with a sitecustomize.py that starts this sampler in every Python process
    whose PYTHONPATH starts with it (and whose environment names CSBOT_PROFILE_DIR)."""
    site = folder / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('csbot_sampler', {str(__file__)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.start_from_env()\n",
        encoding="utf-8",
    )
    return site


def start_from_env() -> None:
    """Start sampling this process when CSBOT_PROFILE_DIR is set (from a sitecustomize)."""
    folder = os.environ.get(PROFILE_DIR_ENV)
    if folder:
        sampler = Sampler(Path(folder))
        threading.Thread(target=sampler.run, name="csbot-sampler", daemon=True).start()


def summary(path: Path, top: int = 25) -> str:
    """The functions with the most busy samples in one process's file: own (innermost frame)
    and inclusive (anywhere on the stack), as seconds of busy thread time."""
    lines = path.read_text(encoding="utf-8").splitlines()
    interval = float(lines[0].split()[-1])
    cpu = [line[len("# cpu ") :] for line in lines if line.startswith("# cpu ")]
    lines = [line for line in lines[1:] if not line.startswith("#")]
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        total += int(n)
        own[frames[-1]] += int(n)
        for frame in set(frames):
            inclusive[frame] += int(n)
    out = [f"== {path.name}: {total * interval:.1f} s busy thread time"]
    out.append("-- CPU seconds by thread: " + ", ".join(cpu))
    for title, counts in (("inclusive", inclusive), ("own", own)):
        out.append(f"-- {title}")
        for frame, n in counts.most_common(top):
            out.append(f"{n * interval:8.2f} s {n / total:6.1%}  {frame}")
    return "\n".join(out)


if __name__ == "__main__":
    for file in sorted(Path(sys.argv[1]).glob("*.txt")):
        print(summary(file, int(sys.argv[2]) if len(sys.argv) > 2 else 25), "\n")
