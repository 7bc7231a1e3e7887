"""Comparing trajectory files across runs: every field but the wall-clock ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def strip_wallclock(line: str) -> Any:
    """One JSONL line as data, without `timings` and each generation's `latency_s`."""
    data = json.loads(line)
    data.pop("timings")
    for message in data["messages"]:
        if message.get("generation"):
            message["generation"].pop("latency_s", None)
    return data


def comparable(path: Path) -> list[Any]:
    """Every line of a file without wall-clock fields, sorted by (task, sample).

    Sorted because episodes finish in a different order under concurrency or Ray.
    """
    rows = [strip_wallclock(line) for line in path.read_text().splitlines()]
    return sorted(rows, key=lambda d: (d["task_id"], d["sample"]))
