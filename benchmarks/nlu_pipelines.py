"""Cross-validate csbot's NLU pipeline against Rasa's default one on the shop's NLU data.

    python -m benchmarks.nlu_pipelines [--folds 3]

Prints a Markdown table: intent macro-F1, entity micro-F1 per extractor, and wall time per
fold (training plus evaluating one fold). Reports land in results/nlu/<pipeline>/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bot.runtime.training import rasa_environment

ROOT = Path(__file__).resolve().parents[1]

PIPELINES = {
    "csbot (MiniLM intent head; DIET + spaCy rules for entities)": ROOT / "config.yml",
    "csbot before (MiniLM + sparse into DIET, spaCy rules)": ROOT
    / "benchmarks"
    / "csbot_v1_config.yml",
    "Rasa default (sparse, DIET)": ROOT / "benchmarks" / "rasa_default_config.yml",
}


def cross_validate(config: Path, folds: int, out: Path) -> float:
    """Run `rasa test nlu --cross-validation`; return wall seconds."""
    start = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "nlu",
            "--nlu",
            "data/nlu",
            "--config",
            str(config),
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=rasa_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def scores(out: Path) -> tuple[float, dict[str, float]]:
    intent = json.loads((out / "intent_report.json").read_text())["macro avg"]["f1-score"]
    entities = {}
    for report in sorted(out.glob("*_report.json")):
        name = report.stem.removesuffix("_report")
        if name in ("intent", "response_selection"):
            continue
        data = json.loads(report.read_text())
        summary = data.get("micro avg") or data.get("accuracy")
        if isinstance(summary, dict):
            entities[name] = summary["f1-score"]
    return intent, entities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu")
    parser.add_argument(
        "--only", action="append", help="config file stems to run (default: all)", default=[]
    )
    args = parser.parse_args()
    rows = []
    for label, config in PIPELINES.items():
        if args.only and config.stem not in args.only:
            continue
        out = args.out / config.stem
        print(f"cross-validating {label} ({args.folds} folds)...", flush=True)
        seconds = cross_validate(config, args.folds, out)
        intent, entities = scores(out)
        entity_text = ", ".join(f"{k} {v:.3f}" for k, v in entities.items()) or "n/a"
        rows.append(f"| {label} | {intent:.3f} | {entity_text} | {seconds / args.folds:.0f} s |")
    print(f"\n{args.folds}-fold cross-validation on data/nlu\n")
    print("| pipeline | intent macro-F1 | entity micro-F1 | time per fold |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
