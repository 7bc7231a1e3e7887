"""The rollout engine: tasks x samples -> env <-> policy -> graders -> trajectories.

Example:
    >>> import tempfile, pathlib
    >>> from gymforge.rollout import RunConfig, read_trajectories, run
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "arith.jsonl"
    >>> result = run(RunConfig(env_id="gymforge/Arithmetic-v0", policy="oracle",
    ...                        num_tasks=4, group_size=2, out=out))
    >>> len(read_trajectories(out)), result.summary.pass_at_k
    (8, 1.0)
"""

from gymforge.rollout._boundary import Boundary, BoundaryFailure, boundary, error_record
from gymforge.rollout._config import (
    DEFAULT_NUM_TASKS,
    ENV_DEFAULT,
    RunConfig,
    RunReport,
    RunResult,
)
from gymforge.rollout._curriculum import CurriculumReport, CurriculumSpec, WaveReport
from gymforge.rollout._engine import (
    EnvFactory,
    default_env_factory,
    resolve_policy,
    run,
    run_async,
)
from gymforge.rollout._io import (
    DamagedLine,
    TrajectoryFile,
    TrajectoryWriter,
    read_trajectories,
    scan_trajectories,
)
from gymforge.rollout._recipe import EnvRecipe, RewardRecipe, WrapperRecord
from gymforge.rollout._stats import (
    DifficultySummary,
    GroupReport,
    GroupStats,
    RewardRangeCheck,
    Summary,
    group_stats,
    pass_at_k,
    pass_hat_k,
    summarize,
)

__all__ = [
    "Boundary",
    "BoundaryFailure",
    "CurriculumReport",
    "CurriculumSpec",
    "DEFAULT_NUM_TASKS",
    "DamagedLine",
    "DifficultySummary",
    "ENV_DEFAULT",
    "EnvFactory",
    "EnvRecipe",
    "GroupReport",
    "GroupStats",
    "RewardRangeCheck",
    "RewardRecipe",
    "RunConfig",
    "RunReport",
    "RunResult",
    "Summary",
    "TrajectoryFile",
    "TrajectoryWriter",
    "WaveReport",
    "WrapperRecord",
    "boundary",
    "default_env_factory",
    "error_record",
    "group_stats",
    "pass_at_k",
    "pass_hat_k",
    "read_trajectories",
    "resolve_policy",
    "run",
    "run_async",
    "scan_trajectories",
    "summarize",
]
