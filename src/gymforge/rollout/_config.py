"""`RunConfig`: everything that decides what a run produces, and `RunResult`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from gymforge.rollout._curriculum import CurriculumReport, CurriculumSpec
from gymforge.rollout._recipe import RewardRecipe
from gymforge.rollout._stats import GroupReport, Summary
from gymforge.types import Sampling

__all__ = ["DEFAULT_NUM_TASKS", "ENV_DEFAULT", "RunConfig", "RunReport", "RunResult"]

DEFAULT_NUM_TASKS = 10
"""Tasks drawn from the env's family when `RunConfig.num_tasks` is None (no task file)."""

ENV_DEFAULT: Literal["default"] = "default"
"""`RunConfig.max_turns` when it is not given: the env's own limit, from its spec."""

# Fields that do not change what an episode produces: a resume may change them freely.
_NOT_IDENTITY = frozenset(
    {
        "out",
        "concurrency",
        "num_tasks",
        "episode_timeout_s",
        "max_consecutive_errors",
        "retry_errors",
        "backend",
        "ray_address",
    }
)


class RunConfig(BaseModel):
    """One rollout run: which env, which policy, how many tasks and samples, where to write.

    The run's identity (and its `run_id`) is every field that changes what an
    episode produces; `out`, `concurrency`, `num_tasks`, `episode_timeout_s`,
    `max_consecutive_errors`, `retry_errors`, `backend` and `ray_address` are not part
    of it, so a resume may raise the task count or the concurrency, or move to Ray.
    The curriculum settings are part of it: a resume with other settings is refused.

    Example:
        >>> cfg = RunConfig(env_id="gymforge/Arithmetic-v0", policy="oracle", out="t.jsonl")
        >>> cfg.run_id == RunConfig(env_id="gymforge/Arithmetic-v0", policy="oracle",
        ...                          out="other.jsonl", concurrency=64).run_id
        True
        >>> cfg.total_episodes(10)
        10
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    env_id: str
    """Versioned env id, e.g. "gymforge/Arithmetic-v0"."""
    env_kwargs: dict[str, JsonValue] = Field(default_factory=dict)
    """Keyword arguments for `gymforge.env.make` (part of the run's identity)."""
    policy: str = "oracle"
    """Policy spec (`gymforge.policy.parse_policy_spec`): "oracle", "nothing", "random",
    "local[:GGUF]", "openai:MODEL[@URL]", "py:module:factory" (a callable taking the
    episode's `PolicyContext` and returning a `Policy`), or a plugin's kind."""
    num_tasks: int | None = Field(default=None, ge=1)
    """How many tasks: the first N of the task file or of the env's family at `seed`.
    None means every task of the file, or `DEFAULT_NUM_TASKS` from the family."""
    group_size: int = Field(default=1, ge=1)
    """Samples per task (the GRPO group size G, and the k of pass@k)."""
    concurrency: int = Field(default=8, ge=1)
    """Episodes in flight at most."""
    seed: int = 0
    """Run seed: picks the family's tasks and, with task id and sample, every episode seed."""
    out: Path
    """Trajectories JSONL file; `<out>.run.json` and `<out>.report.json` go next to it."""
    max_turns: Annotated[int, Field(ge=1, strict=True)] | Literal["default"] | None = ENV_DEFAULT
    """Turn limit per episode, as for `gymforge.env.make`: a number, None for no limit, or
    ``"default"`` (`ENV_DEFAULT`, what leaving it out gives) for the env's own limit."""
    episode_timeout_s: float | None = Field(default=None, gt=0)
    """Wall-clock limit per episode; an episode over it is recorded with a "timeout" error."""
    sampling: Sampling = Field(default_factory=Sampling)
    """Sampling parameters passed to the policy on every turn."""
    difficulty: int | None = None
    """Difficulty asked of the env's task family (None: the family's default)."""
    tasks_file: Path | None = None
    """JSONL file of tasks to run instead of the env's family (its content is in the identity)."""
    max_consecutive_errors: int | None = Field(default=5, ge=1)
    """Abort the run when this many episodes in a row fail at the policy boundary with the
    same error (a dead model server); None never aborts."""
    retry_errors: bool = False
    """On resume, re-run episodes recorded with an error (old lines move to `<out>.retried`)."""
    backend: Literal["local", "ray"] = "local"
    """Where episodes run: in this process, or on Ray actors (same seeds, same results)."""
    ray_address: str | None = None
    """For the Ray backend: the cluster address (None: a running or new local instance)."""
    curriculum: CurriculumSpec | None = None
    """Draw the family's tasks in waves at a level that follows the policy's success
    (see `CurriculumSpec`); None draws every task at `difficulty`."""

    @model_validator(mode="after")
    def _curriculum_alone(self) -> RunConfig:
        if self.curriculum is None:
            return self
        clashes = [
            (self.difficulty is not None, "difficulty (the curriculum picks the level)"),
            (self.tasks_file is not None, "tasks_file (the curriculum draws from the family)"),
            (
                self.retry_errors,
                "retry_errors (later waves were drawn from those outcomes)",
            ),
        ]
        for clash, what in clashes:
            if clash:
                raise ValueError(f"curriculum cannot be combined with {what}")
        return self

    def make_kwargs(self) -> dict[str, Any]:
        """The keyword arguments `gymforge.env.make` gets: `env_kwargs` and `max_turns`.

        Example:
            >>> cfg = RunConfig(env_id="gymforge/Arithmetic-v0", out="t.jsonl")
            >>> cfg.make_kwargs(), cfg.model_copy(update={"max_turns": None}).make_kwargs()
            ({}, {'max_turns': None})
        """
        kwargs: dict[str, Any] = dict(self.env_kwargs)
        if self.max_turns != ENV_DEFAULT:  # None: no limit, as for make()
            kwargs["max_turns"] = self.max_turns
        return kwargs

    def identity(self) -> dict[str, Any]:
        """The fields that decide what episodes produce, as JSON-ready data.

        ``max_turns`` keeps the encoding run ids had before None meant "no limit", so
        those ids stay what they were: null for the env's default, "unlimited" for None.
        """
        data = self.model_dump(mode="json", exclude=set(_NOT_IDENTITY))
        data["max_turns"] = _MAX_TURNS_IDENTITY.get(self.max_turns, self.max_turns)
        if self.curriculum is None:
            del data["curriculum"]  # run ids of runs without one stay what they were
        if self.tasks_file is not None:
            data["tasks_file_sha256"] = _file_digest(self.tasks_file)
        return data

    @property
    def run_id(self) -> str:
        """Deterministic id: a digest of `identity()` (same config, same id, in any process)."""
        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return "run-" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest()

    def total_episodes(self, num_tasks: int) -> int:
        """Episodes in a run over `num_tasks` tasks."""
        return num_tasks * self.group_size

    @property
    def manifest_path(self) -> Path:
        """`<out>.run.json`: config, run id, schema version, identity and reward recipe."""
        return self.out.with_name(self.out.name + ".run.json")

    @property
    def report_path(self) -> Path:
        """`<out>.report.json`: summary and group statistics, written at the end of the run."""
        return self.out.with_name(self.out.name + ".report.json")

    @property
    def damaged_path(self) -> Path:
        """`<out>.damaged`: lines that could not be parsed, moved there with their line numbers."""
        return self.out.with_name(self.out.name + ".damaged")

    @property
    def retried_path(self) -> Path:
        """`<out>.retried`: failed episodes replaced by a resume with `retry_errors`."""
        return self.out.with_name(self.out.name + ".retried")


_MAX_TURNS_IDENTITY: dict[object, str | None] = {ENV_DEFAULT: None, None: "unlimited"}


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


class RunResult(BaseModel):
    """What a finished run did (the per-episode data is in the trajectories file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    """The run's id."""
    out: Path
    """The trajectories file."""
    report_path: Path
    """The report written at the end."""
    total: int
    """Episodes the run covers (tasks x group size)."""
    skipped: int
    """Episodes already in the file (resume) and not run again."""
    completed: int
    """Episodes run and written by this invocation."""
    errors: int
    """Episodes of this invocation recorded with an error."""
    damaged_lines: tuple[int, ...] = ()
    """Line numbers of damaged lines moved to `<out>.damaged` before resuming."""
    summary: Summary
    """`summarize()` of the whole file, as written to the report."""
    groups: GroupReport
    """`group_stats()` of the whole file, as written to the report."""
    curriculum: CurriculumReport | None = None
    """The level path of a curriculum run (None without one)."""


class RunReport(BaseModel):
    """`<out>.report.json`: what a run produced, written when it ends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    """The run's id."""
    config: RunConfig
    """The configuration of the invocation that wrote the report."""
    summary: Summary
    """`summarize()` of every trajectory in the file."""
    groups: GroupReport
    """`group_stats()` of every trajectory in the file (GRPO view)."""
    curriculum: CurriculumReport | None = None
    """The level path of a curriculum run: the level of every wave and the final one."""
    recipe: RewardRecipe | None = None
    """How the rewards were made: the env spec as built and the grader's config (None
    in reports written before it was recorded)."""
