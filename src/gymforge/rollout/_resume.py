"""Resume: check the output file, repair damaged lines, write the manifest."""

from __future__ import annotations

import json
from collections.abc import Callable

from gymforge._util import atomic_write_text
from gymforge.errors import ResumeError
from gymforge.rollout._config import RunConfig
from gymforge.rollout._io import (
    check_manifest,
    manifest_data,
    move_lines,
    scan_trajectories,
)
from gymforge.rollout._recipe import RewardRecipe
from gymforge.rollout._records import replaced
from gymforge.types import Trajectory

__all__ = ["light", "prepare_file"]


def light(trajectory: Trajectory) -> Trajectory:
    """The trajectory without its transcript: what a curriculum reads of finished episodes.

    A long run of real model episodes holds gigabytes of transcripts; the file has them.
    (The end-of-run statistics keep even less: `gymforge.rollout._stats.EpisodeFacts`.)
    """
    return replaced(trajectory, messages=())


def prepare_file(
    config: RunConfig, run_id: str, notice: Callable[[str], None], recipe: RewardRecipe
) -> tuple[set[tuple[str, int]], list[Trajectory], tuple[int, ...]]:
    """Check the output, repair damage, write the manifest; return finished keys and lines.

    The manifest records the run's reward `recipe` beside its config (it is not part of
    the identity: the env id's version pins the grading).
    """
    out = config.out
    identity = config.identity()
    owned = check_manifest(config.manifest_path, run_id, identity, out)
    scanned = scan_trajectories(out)
    foreign = {t.run_id for t in scanned.trajectories} - {run_id}
    if foreign or (not owned and scanned.damaged):
        what = (
            f"holds run(s) {', '.join(sorted(foreign))}"
            if foreign
            else f"is not a gymforge trajectories file (line {scanned.damaged[0].line}: "
            f"{scanned.damaged[0].reason})"
        )
        raise ResumeError(f"{out} {what}; use a new --out for this run")
    damaged_lines = tuple(d.line for d in scanned.damaged)
    keep = list(zip(scanned.trajectories, scanned.lines, strict=True))
    if scanned.damaged:
        for d in scanned.damaged:
            notice(
                f"{out} line {d.line}: {d.reason}; moved to {config.damaged_path}, "
                "the episode will run again"
            )
        move_lines(
            out,
            [text for _, text in keep],
            [(d.line, d.reason, d.text) for d in scanned.damaged],
            config.damaged_path,
        )
    if config.retry_errors and any(t.error is not None for t, _ in keep):
        failed = [(i, t, text) for i, (t, text) in enumerate(keep, 1) if t.error is not None]
        notice(f"re-running {len(failed)} failed episode(s); old lines go to {config.retried_path}")
        keep = [(t, text) for t, text in keep if t.error is None]
        move_lines(
            out,
            [text for _, text in keep],
            [(i, "retried", text) for i, _, text in failed],
            config.retried_path,
        )
    manifest = manifest_data(
        run_id, identity, config.model_dump(mode="json"), recipe.model_dump(mode="json")
    )
    atomic_write_text(config.manifest_path, json.dumps(manifest, indent=2) + "\n")
    existing = [light(t) for t, _ in keep]
    return {t.key for t in existing}, existing, damaged_lines
