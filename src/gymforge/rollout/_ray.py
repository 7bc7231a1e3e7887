"""Ray backend: the same episodes, run by actors on a Ray cluster, written by the driver.

Each actor is a Ray process holding its own env instances, policy and grader, built from
the run's config exactly as the local engine builds them; the driver keeps the worker
pool, the resume logic and the writer, so a Ray run has the same resume semantics and,
for the same seed, the same trajectories as a local run (every field but timings).
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any

from gymforge.errors import ConfigError
from gymforge.rollout._config import RunConfig
from gymforge.types import Task, Trajectory

if TYPE_CHECKING:
    from gymforge.graders import Grader
    from gymforge.policy import PolicyFactory
    from gymforge.rollout._engine import EnvFactory

__all__ = ["RayEpisodes"]

log = logging.getLogger(__name__)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--backend ray needs Ray: pip install 'gymforge[ray]'") from exc
    return ray


class _EpisodeActor:
    """Runs episodes of one run inside a Ray worker process (an async actor)."""

    def __init__(
        self,
        config_json: str,
        run_id: str,
        env_factory: EnvFactory | None,
        policy_factory: PolicyFactory | None,
        grader: Grader | None,
    ) -> None:
        from gymforge.rollout._engine import _Episode, default_env_factory, resolve_policy

        config = RunConfig.model_validate_json(config_json)
        self._episode = _Episode(
            config,
            run_id,
            env_factory if env_factory is not None else default_env_factory(config),
            policy_factory if policy_factory is not None else resolve_policy(config.policy),
            grader,
        )

    async def run(self, task_json: str, sample: int) -> str:
        trajectory = await self._episode(Task.model_validate_json(task_json), sample)
        return trajectory.model_dump_json()


class RayEpisodes:
    """Drop-in for the local episode runner: ``await episodes(task, sample) -> Trajectory``.

    Args:
        config: The run; `config.ray_address` picks the cluster (None: an already
            initialised Ray, else a new local instance).
        run_id: The run's id.
        env_factory, policy_factory, grader: Injected objects, shipped to the actors
            (they must pickle); None builds them from the config inside each actor.
        num_actors: Actor processes; default: the cluster's CPUs, at most `config.concurrency`.

    The number of episodes in flight stays bounded by the engine's worker pool
    (`config.concurrency`); actors take them round-robin, each running many at once.
    """

    def __init__(
        self,
        config: RunConfig,
        run_id: str,
        *,
        env_factory: EnvFactory | None = None,
        policy_factory: PolicyFactory | None = None,
        grader: Grader | None = None,
        num_actors: int | None = None,
    ) -> None:
        ray = _import_ray()
        self._ray = ray
        self._started_here = False
        if not ray.is_initialized():
            try:
                if config.ray_address:
                    ray.init(address=config.ray_address, log_to_driver=False)
                else:
                    ray.init(include_dashboard=False, log_to_driver=False)
            except Exception as exc:  # Ray raises several unrelated types here
                where = config.ray_address or "a new local instance"
                raise ConfigError(
                    f"could not connect to the Ray cluster at {where}: {exc}; check --address "
                    "(e.g. ray://head:10001 or auto) or leave it out for a local instance"
                ) from exc
            self._started_here = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = num_actors or max(1, min(cpus, config.concurrency))
        per_actor = max(1, -(-config.concurrency // count))
        actor_cls = ray.remote(num_cpus=0)(_EpisodeActor)
        self._actors = [
            actor_cls.options(max_concurrency=per_actor).remote(
                config.model_dump_json(), run_id, env_factory, policy_factory, grader
            )
            for _ in range(count)
        ]
        self._next = itertools.cycle(self._actors)
        log.info("ray backend: %d actors, %d episodes each at most", count, per_actor)

    async def __call__(self, task: Task, sample: int) -> Trajectory:
        actor = next(self._next)
        line: str = await actor.run.remote(task.model_dump_json(), sample)
        return Trajectory.model_validate_json(line)

    def close(self) -> None:
        """Stop the actors (and the local Ray instance if this runner started it)."""
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        if self._started_here:
            self._ray.shutdown()
