"""The local rollout engine: tasks x samples -> env <-> policy -> grader -> JSONL."""

from __future__ import annotations

import asyncio
import collections
import gc
import importlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gymforge._util import atomic_write_text
from gymforge.env import Env, make
from gymforge.env import spec as env_spec
from gymforge.errors import ConfigError, PolicyError, PolicyOutputError
from gymforge.policy import Policy, PolicyContext, PolicyFactory, episode_policy
from gymforge.policy import make_policy_factory as resolve_policy
from gymforge.rollout._boundary import Boundary, BoundaryFailure, classify
from gymforge.rollout._config import DEFAULT_NUM_TASKS, RunConfig, RunReport, RunResult
from gymforge.rollout._curriculum import (
    CurriculumReport,
    CurriculumWaves,
    WavePlan,
    family_levels,
)
from gymforge.rollout._io import (
    RunLock,
    TrajectoryWriter,
    check_writable,
)
from gymforge.rollout._progress import ProgressDisplay
from gymforge.rollout._recipe import reward_recipe
from gymforge.rollout._records import (
    JSON_EVERY,
    EpisodeSeeds,
    EpisodeState,
    Records,
    TurnSeeds,
    replaced,
    trajectory_json,
    turn_record,
)
from gymforge.rollout._resume import light, prepare_file
from gymforge.rollout._stats import episode_facts, group_facts, summarize_facts
from gymforge.tasks import TaskFamily, load_tasks
from gymforge.types import (
    ErrorRecord,
    Info,
    Message,
    Score,
    StepResult,
    Task,
    Timings,
    Trajectory,
    _trusted,
)

if TYPE_CHECKING:
    from gymforge.graders import Grader

__all__ = [
    "EnvFactory",
    "default_env_factory",
    "resolve_policy",
    "run",
    "run_async",
]

logger = logging.getLogger(__name__)

EnvFactory = Callable[[], "Env"]
"""Builds a fresh env for one episode."""


def default_env_factory(config: RunConfig) -> EnvFactory:
    """A factory making `config.env_id` with its kwargs and turn limit.

    Raises:
        NotFoundError: Unknown env id (the message suggests the nearest).
    """
    kwargs = config.make_kwargs()
    env_spec(config.env_id)  # fails fast with "did you mean" for an unknown id

    def factory() -> Env:
        return make(config.env_id, **kwargs)

    return factory


async def _env_family(config: RunConfig, env_factory: EnvFactory) -> TaskFamily:
    """The task family of the env the run makes (the env is closed again)."""
    try:
        env = env_factory()
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"cannot make {config.env_id} with env_kwargs={config.env_kwargs} and "
            f"max_turns={config.max_turns}: {exc}"
        ) from exc
    try:
        return env.task_family
    finally:
        await env.close()


async def _load_tasks(config: RunConfig, env_factory: EnvFactory) -> list[Task]:
    if config.tasks_file is not None:
        # The env's family checks every task, so a file lacking what the env reads fails here.
        tasks = load_tasks(config.tasks_file, validate=await _env_family(config, env_factory))
        if config.num_tasks is not None:
            if config.num_tasks > len(tasks):
                raise ConfigError(
                    f"--tasks {config.num_tasks} but {config.tasks_file} holds only "
                    f"{len(tasks)} task(s); lower --tasks or leave it out to run them all"
                )
            tasks = tasks[: config.num_tasks]
    else:
        family = await _env_family(config, env_factory)
        count = config.num_tasks or DEFAULT_NUM_TASKS
        try:
            tasks = [
                family.generate(i, seed=config.seed, difficulty=config.difficulty)
                for i in range(count)
            ]
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"task family {family.name!r} of {config.env_id} rejected the request "
                f"(difficulty={config.difficulty}): {exc}"
            ) from exc
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise ConfigError(f"task id {task.id!r} appears twice; task ids must be unique")
        seen.add(task.id)
    return tasks


class _OneWave:
    """The plan of a run over a fixed task list: every unfinished episode, in one wave."""

    def __init__(self, config: RunConfig, tasks: list[Task], done: set[tuple[str, int]]) -> None:
        samples = range(config.group_size)
        self._pending = [(t, s) for t in tasks for s in samples if (t.id, s) not in done]
        self.total = config.total_episodes(len(tasks))
        self.skipped = self.total - len(self._pending)

    def next_wave(self, finished: Sequence[Trajectory]) -> list[tuple[Task, int]]:
        pending, self._pending = self._pending, []
        return pending

    def report(self) -> CurriculumReport | None:
        return None


_PlanFactory = Callable[[set[tuple[str, int]], list[Trajectory]], WavePlan]
"""Builds a run's plan from the finished keys and episodes of its file."""


async def _plan_factory(config: RunConfig, env_factory: EnvFactory) -> _PlanFactory:
    """Fixed tasks (drawn now, so bad requests fail before the lock), or curriculum waves."""
    spec = config.curriculum
    if spec is None:
        tasks = await _load_tasks(config, env_factory)
        return lambda done, existing: _OneWave(config, tasks, done)
    family = await _env_family(config, env_factory)
    levels = family_levels(family, spec, seed=config.seed, where=config.env_id)
    num_tasks = config.num_tasks or DEFAULT_NUM_TASKS

    def curriculum(done: set[tuple[str, int]], existing: list[Trajectory]) -> WavePlan:
        return CurriculumWaves(
            family,
            levels,
            spec,
            seed=config.seed,
            group_size=config.group_size,
            num_tasks=num_tasks,
            recorded=existing,
        )

    return curriculum


class _Episode:
    """Runs single episodes; holds what every episode of a run shares."""

    def __init__(
        self,
        config: RunConfig,
        run_id: str,
        env_factory: EnvFactory,
        policy_factory: PolicyFactory,
        grader: Grader | None,
    ) -> None:
        self.config = config
        self.run_id = run_id
        self.env_factory = env_factory
        self.policy_factory = policy_factory
        self.grader = grader
        self.sampling = config.sampling
        self.timeout = config.episode_timeout_s
        self._seeds = EpisodeSeeds(config.seed)
        self.records = Records(run_id, config.env_id, config.policy)
        self.owned_policies: dict[int, Any] | None = None
        """Policies with `aclose` that the engine made from the spec (closed at the end)."""

    async def close_policies(self) -> None:
        """Close the HTTP clients of the policies this run made (errors are only logged)."""
        for policy in (self.owned_policies or {}).values():
            try:
                await policy.aclose()
            except Exception as exc:  # closing must not hide the run's result
                logger.warning("closing policy %s failed: %s", getattr(policy, "name", "?"), exc)
        self.owned_policies = {} if self.owned_policies is not None else None

    async def __call__(self, task: Task, sample: int) -> Trajectory:
        trajectory, _ = await self.play(task, sample)
        return trajectory

    async def play(self, task: Task, sample: int) -> tuple[Trajectory, EpisodeState]:
        """One episode: its trajectory, and the state it was built from (for its line)."""
        seed = self._seeds(task.id, sample)
        started = time.time()
        t0 = time.perf_counter()
        state = EpisodeState()
        error: ErrorRecord | None = None
        try:
            if self.timeout is None:  # no deadline: skip the timeout scope's bookkeeping
                await self._start(task, sample, seed, state)
            else:
                async with asyncio.timeout(self.timeout):
                    await self._start(task, sample, seed, state)
        except BoundaryFailure as failure:
            error = failure.record
        except TimeoutError as exc:
            error = ErrorRecord(
                boundary="timeout",
                type=type(exc).__name__,
                message=f"episode exceeded {self.timeout} s (episode_timeout_s)",
            )
        finally:
            env = state.env  # set as soon as the env exists, whatever failed after
            if env is not None:
                try:
                    await env.close()
                except Exception as exc:  # what `boundary("env")` does, without its awaits
                    error = error or classify("env", exc)
        score = state.score
        error = error or state.policy_failure
        base = state.partial or self.records.partial(task, sample, seed, state)
        timings = state.timings
        scored = score is not None and (error is None or error.policy_caused)
        trajectory = replaced(
            base,
            reward=score.value if scored and score is not None else None,
            score=score,
            error=error,
            timings=_trusted(
                Timings,
                {
                    "started_at": started,
                    "total_s": time.perf_counter() - t0,
                    "policy_s": timings[0],
                    "env_s": timings[1],
                    "grader_s": timings[2],
                },
            ),
        )
        return trajectory, state

    async def _start(self, task: Task, sample: int, seed: int, state: EpisodeState) -> None:
        """Make the env and the policy, then play; the env is left on `state` for closing."""
        try:
            env = state.env = self.env_factory()
        except Exception as exc:  # what `boundary("env")` does, without its awaits
            raise BoundaryFailure(classify("env", exc)) from exc
        try:
            context = PolicyContext(self.config.env_id, self.run_id, task.id, sample, seed)
            policy = episode_policy(self.policy_factory, context, env)
        except Exception as exc:
            raise BoundaryFailure(classify("policy", exc)) from exc
        if self.owned_policies is not None and callable(getattr(policy, "aclose", None)):
            self.owned_policies[id(policy)] = policy
        state.score = await self._play(env, policy, task, sample, seed, state)

    async def _play(
        self, env: Env, policy: Policy, task: Task, sample: int, seed: int, state: EpisodeState
    ) -> Score:
        # The hot path tracks which boundary is running in `stage` and classifies a failure
        # once, in the except clause, exactly as `boundary(stage)` would: an `async with`
        # per call costs two coroutine calls, a third of the engine's time per turn.
        # Engine code runs with stage None, so its own bugs propagate.
        perf = time.perf_counter
        timings = state.timings
        messages = state.messages
        turns = state.turns
        sampling = self.sampling
        turn_seed = TurnSeeds(seed)
        stage: Boundary | None = "env"
        try:
            t = perf()
            observation, info = await env.reset(seed=seed, options={"task": task})
            if info.__class__ is not Info and not isinstance(info, Info):
                raise TypeError(f"env.reset returned {type(info).__name__} as info, not Info")
            stage = None
            timings[1] += perf() - t
            messages.extend(observation)
            state.info = info
            turn = 0
            while True:
                t = perf()
                stage = "policy"
                try:
                    action = await policy.act(
                        messages, info.tools, seed=turn_seed(turn), sampling=sampling
                    )
                except PolicyOutputError as exc:
                    # The policy's own output ended the episode: it is graded as it
                    # stands (truncated), never excused as an infrastructure failure.
                    state.policy_failure = classify("policy", exc)
                    state.truncated = True
                    timings[0] += perf() - t
                    break
                if action.__class__ is not Message and not isinstance(action, Message):
                    raise TypeError(f"policy returned {type(action).__name__}, not a Message")
                stage = None
                t2 = perf()
                timings[0] += t2 - t
                messages.append(action)
                stage = "env"
                result = await env.step(action)
                if result.__class__ is not StepResult and not isinstance(result, StepResult):
                    raise TypeError(f"env.step returned {type(result).__name__}, not StepResult")
                stage = None
                timings[1] += perf() - t2
                messages.extend(result.observation)
                state.info = info = result.info
                terminated, truncated = result.terminated, result.truncated
                turns.append(
                    turn_record(
                        result.reward, info.milestones, terminated, truncated, result.tool_outcomes
                    )
                )
                turn += 1
                if turn % JSON_EVERY == 0:  # now, not when the episodes all end together
                    state.record_json()
                if terminated or truncated:
                    state.terminated, state.truncated = terminated, truncated
                    break
            partial = state.partial = self.records.partial(task, sample, seed, state)
            t = perf()
            stage = "grader"
            grader = self.grader if self.grader is not None else env.grader()
            score = await grader.grade(task, partial)
            if score.__class__ is not Score and not isinstance(score, Score):
                raise TypeError(f"grader returned {type(score).__name__}, not a Score")
            stage = None
            timings[2] += perf() - t
            return score
        except Exception as exc:
            if stage is None:
                raise
            raise BoundaryFailure(classify(stage, exc)) from exc


class _ErrorStreak:
    """Aborts the run after N consecutive identical policy failures (a dead model server)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0
        self.last: ErrorRecord | None = None

    def check(self, trajectory: Trajectory) -> None:
        error = trajectory.error
        if self.limit is None:
            return
        if error is None or error.boundary != "policy" or error.policy_caused:
            self.count, self.last = 0, None
            return
        same = self.last is not None and (error.type, error.message) == (
            self.last.type,
            self.last.message,
        )
        self.count = self.count + 1 if same else 1
        self.last = error
        if self.count >= self.limit:
            raise PolicyError(
                f"aborted: the last {self.count} episodes all failed at the policy boundary "
                f"with the same error: {error.type}: {error.message}"
            )


def _ray_runner(
    config: RunConfig,
    run_id: str,
    injected: tuple[EnvFactory | None, PolicyFactory | None],
    grader: Grader | None,
) -> Any:
    """The Ray episode runner (`gymforge.rollout._ray`, needs the `ray` extra)."""
    try:
        module: Any = importlib.import_module("gymforge.rollout._ray")
    except ImportError as exc:
        raise ConfigError(f"backend 'ray' is not available in this install: {exc}") from exc
    env_factory, policy_factory = injected
    return module.RayEpisodes(
        config, run_id, env_factory=env_factory, policy_factory=policy_factory, grader=grader
    )


async def run_async(
    config: RunConfig,
    *,
    policy_factory: PolicyFactory | None = None,
    env_factory: EnvFactory | None = None,
    grader: Grader | None = None,
    progress: bool | None = False,
    notice: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every (task, sample) episode of `config` not yet in its output file.

    Args:
        config: What to run and where to write it.
        policy_factory: Builds each episode's policy from its `PolicyContext` (only an
            `OracleFactory` is given the env); default from `config.policy`.
        env_factory: Builds a fresh env per episode; default `gymforge.env.make(config.env_id)`.
        grader: Grades every episode; default the env's own `grader()`.
        progress: Show a progress bar on stderr (None: only when stderr is a TTY).
        notice: Called with messages for the user (repaired lines); default logs a warning.

    Returns:
        What this invocation did; the summary covers the whole file.

    Raises:
        ConfigError: Bad config, unknown env, malformed policy spec, unwritable output,
            invalid task file, or a resume of a file written by another config.
        PolicyError: The run was aborted after `max_consecutive_errors` identical
            policy failures in a row (the episodes so far are written).

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
        >>> cfg = RunConfig(env_id="gymforge/Arithmetic-v0", policy="oracle", num_tasks=3,
        ...                 group_size=2, out=out)
        >>> result = asyncio.run(run_async(cfg))
        >>> (result.completed, result.summary.pass_at_1)
        (6, 1.0)
    """
    say = notice if notice is not None else logger.warning
    injected = (env_factory, policy_factory)
    if env_factory is None:
        env_factory = default_env_factory(config)
    owns_policies = policy_factory is None
    if policy_factory is None:
        policy_factory = resolve_policy(config.policy)
    make_plan = await _plan_factory(config, env_factory)
    run_id = config.run_id
    check_writable(config.out)
    lock = RunLock(config.out)
    try:
        return await _run_locked(
            config,
            run_id,
            make_plan,
            env_factory,
            policy_factory,
            grader,
            progress,
            say,
            owns_policies=owns_policies,
            injected=injected,
        )
    finally:
        lock.release()


async def _run_locked(
    config: RunConfig,
    run_id: str,
    make_plan: _PlanFactory,
    env_factory: EnvFactory,
    policy_factory: PolicyFactory,
    grader: Grader | None,
    progress: bool | None,
    say: Callable[[str], None],
    *,
    owns_policies: bool,
    injected: tuple[EnvFactory | None, PolicyFactory | None],
) -> RunResult:
    recipe = await reward_recipe(env_factory, grader, env_id=config.env_id)
    done, existing, damaged = prepare_file(config, run_id, say, recipe)
    plan = make_plan(done, existing)
    wave = plan.next_wave([])
    episode = _Episode(config, run_id, env_factory, policy_factory, grader)
    if owns_policies:
        episode.owned_policies = {}
    remote = _ray_runner(config, run_id, injected, grader) if config.backend == "ray" else None
    streak = _ErrorStreak(config.max_consecutive_errors)
    # The statistics need a few facts per episode, not the trajectories (see
    # `EpisodeFacts`); transcript-free copies are kept only for a curriculum's waves.
    facts = [episode_facts(t) for t in existing]
    del existing  # a resumed run need not hold what it resumed from (a curriculum keeps its own)
    first_new = len(facts)
    finished: list[Trajectory] = []
    keep_finished = config.curriculum is not None
    writer = TrajectoryWriter(config.out)

    async def worker(
        pending: collections.deque[tuple[Task, int]], display: ProgressDisplay
    ) -> None:
        while pending:
            task, sample = pending.popleft()
            if remote is None:
                trajectory, state = await episode.play(task, sample)
                writer.queue_line(trajectory_json(trajectory, state))
            else:
                trajectory = await remote(task, sample)
                writer.write_soon(trajectory)
            facts.append(episode_facts(trajectory))
            if keep_finished:
                finished.append(light(trajectory))
            display.advance(trajectory)
            streak.check(trajectory)

    async def run_wave(pairs: list[tuple[Task, int]], display: ProgressDisplay) -> None:
        pending = collections.deque(pairs)
        workers = [
            asyncio.create_task(worker(pending, display))
            for _ in range(min(config.concurrency, len(pending)))
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            running = [w for w in workers if not w.done()]  # after a failure or Ctrl-C
            for w in running:
                w.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    # Objects that exist before the run (modules, registry, tasks) live as long as it:
    # freezing them keeps the cyclic GC from rescanning them on every full collection,
    # which was the largest engine cost with a thousand episodes in flight.
    gc.freeze()
    ran = False
    try:
        todo = plan.total - plan.skipped  # a curriculum may find more of its waves in the file
        with ProgressDisplay(todo, enabled=progress, description=config.env_id) as display:
            while wave:  # a wave starts when the previous one has finished (curriculum)
                start = len(finished)
                await run_wave(wave, display)
                wave = plan.next_wave(finished[start:])
        ran = True
    except (asyncio.CancelledError, KeyboardInterrupt):
        writer.close()
        say(
            f"interrupted: {plan.skipped + len(facts) - first_new} of {plan.total} episodes "
            f"written to {config.out}; run the same command again to resume"
        )
        raise
    finally:
        gc.unfreeze()
        if not ran:
            writer.close()
        await episode.close_policies()
        if remote is not None:
            remote.close()
    # The file's fsync (waiting on the disk) runs in a thread while the statistics are
    # computed; the report is written only once the trajectories are on disk.
    writer.flush_queued()
    closing = asyncio.get_running_loop().run_in_executor(None, writer.close)
    try:
        summary = summarize_facts(facts, k=config.group_size, reward_range=recipe.reward_range)
        groups = group_facts(facts)
        curriculum = plan.report()
        report = RunReport(
            run_id=run_id,
            config=config,
            summary=summary,
            groups=groups,
            curriculum=curriculum,
            recipe=recipe,
        )
        report_text = report.model_dump_json(indent=2) + "\n"
    finally:
        await closing
    atomic_write_text(config.report_path, report_text)
    return RunResult(
        run_id=run_id,
        out=config.out,
        report_path=config.report_path,
        total=plan.total,
        skipped=plan.skipped,
        completed=len(facts) - first_new,
        errors=sum(f.error is not None for f in facts[first_new:]),
        damaged_lines=damaged,
        summary=summary,
        groups=groups,
        curriculum=curriculum,
    )


def run(
    config: RunConfig,
    *,
    policy_factory: PolicyFactory | None = None,
    env_factory: EnvFactory | None = None,
    grader: Grader | None = None,
    progress: bool | None = False,
    notice: Callable[[str], None] | None = None,
) -> RunResult:
    """Synchronous `run_async` (starts its own event loop; see `run_async` for the arguments).

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
        >>> run(RunConfig(env_id="gymforge/Arithmetic-v0", num_tasks=2, out=out)).completed
        2
    """
    return asyncio.run(
        run_async(
            config,
            policy_factory=policy_factory,
            env_factory=env_factory,
            grader=grader,
            progress=progress,
            notice=notice,
        )
    )
