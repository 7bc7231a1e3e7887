"""Run statistics: pass@k, pass^k, errors by boundary, and GRPO group advantages."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from gymforge._util import pass_at_k, pass_hat_k
from gymforge.types import JsonValue, Trajectory, Usage, _trusted

__all__ = [
    "DifficultySummary",
    "EpisodeFacts",
    "GroupReport",
    "GroupStats",
    "RewardRangeCheck",
    "Summary",
    "episode_facts",
    "group_facts",
    "group_stats",
    "pass_at_k",
    "pass_hat_k",
    "summarize",
    "summarize_facts",
]


class DifficultySummary(BaseModel):
    """Counts and rates of one slice of the episodes: a difficulty level or a task tag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    episodes: int
    """Episodes in this slice."""
    mean_reward: float | None
    """Mean of the decided rewards (None when no episode has one)."""
    pass_at_1: float | None
    """Fraction of episodes that passed."""
    tasks: int = 0
    """Distinct tasks in this slice."""
    pass_at_k: float | None = None
    """Mean over the slice's tasks of pass@k (tasks with fewer than k samples left out)."""
    pass_hat_k: float | None = None
    """Mean over the slice's tasks of pass^k (all k samples pass)."""


class RewardRangeCheck(BaseModel):
    """The env's declared reward range and the episodes whose reward fell outside it.

    An episode outside it means the grader or the env's step rewards pay what the env
    does not promise (a double-counted reward, a sign error): the run summary warns.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float | None
    """Lower bound (inclusive); None: open (``-inf`` in the env spec)."""
    high: float | None
    """Upper bound (inclusive); None: open (``inf`` in the env spec)."""
    outside: int
    """Episodes with a reward below `low` or above `high` (undecided ones never count)."""

    @classmethod
    def of(cls, bounds: tuple[float, float], rewards: Iterable[float | None]) -> RewardRangeCheck:
        """Count the `rewards` outside `bounds`, ``(lo, hi)`` as the env spec declares them.

        Example:
            >>> RewardRangeCheck.of((0.0, 1.0), [1.0, 2.0, None, -0.5]).outside
            2
        """
        lo, hi = bounds
        outside = sum(1 for r in rewards if r is not None and not lo <= r <= hi)
        return cls(
            low=None if math.isinf(lo) else lo, high=None if math.isinf(hi) else hi, outside=outside
        )


class Summary(BaseModel):
    """What `summarize` reports about a set of trajectories.

    "Pass" means ``reward >= threshold`` (default 1.0). Rates and means are over the
    *scored* episodes: those with a reward. An episode without one is left out, never
    counted as 0 or as a failure to pass, and counted instead: `infrastructure` (an env,
    grader, sandbox or model-server failure: `ErrorRecord.policy_caused` is False) or
    `undecided` (the grader could not decide). A failure the policy caused
    (`policy_failures`) is scored like any other episode. See docs/rollout.md, "Blame".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    episodes: int
    """Trajectories summarised."""
    tasks: int
    """Distinct task ids."""
    k: int
    """The k of pass@k and pass^k (the group size unless given)."""
    threshold: float
    """A sample passes when its reward is >= this."""
    mean_reward: float | None
    """Mean of the decided rewards (episodes with reward None are left out)."""
    undecided: int
    """Episodes the grader could not decide (no error, reward None): left out."""
    infrastructure: int = 0
    """Episodes ended by a failure the policy did not cause (env, grader, sandbox,
    timeout, model server): no reward, left out of every rate and of the groups."""
    policy_failures: int = 0
    """Episodes ended by the policy's own output (`ErrorRecord.policy_caused`): scored."""
    pass_at_1: float | None
    """Mean over tasks of the fraction of scored samples that passed."""
    pass_at_k: float | None
    """Mean over tasks of the unbiased pass@k over scored samples; tasks with fewer than
    k scored samples are left out."""
    pass_hat_k: float | None
    """Mean over tasks of the unbiased pass^k (all k samples pass)."""
    incomplete_groups: int
    """Tasks with fewer than k scored samples (left out of pass@k and pass^k)."""
    errors: int
    """Episodes recorded with an error (infrastructure and policy failures)."""
    errors_by_boundary: dict[str, int] = Field(default_factory=dict)
    """Errors per boundary: policy, env, grader, timeout, ..."""
    by_difficulty: dict[str, DifficultySummary] = Field(default_factory=dict)
    """Breakdown per task difficulty ("none" for tasks without one)."""
    by_tag: dict[str, DifficultySummary] = Field(default_factory=dict)
    """Breakdown per task tag: each of ``task.tags`` (e.g. the intent types of Retail-v0
    tasks, "intent:cancel"); a task with several tags is in each."""
    milestone_rates: dict[str, float] = Field(default_factory=dict)
    """Fraction of episodes whose final milestone of that name is truthy. A milestone
    with a string value counts once per value, as ``name=value`` (the games'
    ``outcome=win``, ``outcome=draw``, ...): "is it set" would be 1.0 for all of them."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens over all episodes."""
    mean_turns: float | None = None
    """Mean env steps per episode."""
    reward_range: RewardRangeCheck | None = None
    """The env's declared reward range and how many episodes fell outside it (None when
    the range is not known: undeclared, or not given to `summarize`)."""


class EpisodeFacts(NamedTuple):
    """What `summarize` and `group_stats` read from one trajectory.

    The engine keeps these (a small tuple each) for the episodes of a run instead of
    the trajectories: holding a thousand transcript-free trajectories with their
    `Turn`s, and freeing them, was a fifth of a concurrent run's closing time.
    """

    task_id: str
    sample: int
    reward: float | None
    error: str | None
    """The failed boundary, None without error."""
    policy_caused: bool
    """The error (if any) was the policy's doing: the episode is scored."""
    level: str
    """The task's difficulty as a `by_difficulty` key ("none" without one)."""
    tags: tuple[str, ...]
    """The task's distinct tags, in order."""
    milestones: tuple[tuple[str, bool], ...]
    """Each final milestone (``name=value`` for a string value) and whether it is truthy."""
    prompt_tokens: int
    completion_tokens: int
    turns: int


def _milestone(name: str, value: JsonValue) -> tuple[str, bool]:
    """A milestone as a rate key: a non-empty string value is one key per value."""
    if isinstance(value, str) and value:
        return f"{name}={value}", True
    return name, bool(value)


def episode_facts(t: Trajectory) -> EpisodeFacts:
    """The facts of one trajectory that the run statistics use."""
    task = t.task
    level = task.difficulty
    usage = t.usage
    return EpisodeFacts(
        t.task_id,
        t.sample,
        t.reward,
        None if t.error is None else t.error.boundary,
        t.error is not None and t.error.policy_caused,
        "none" if level is None else str(level),
        tuple(dict.fromkeys(task.tags)) if task.tags else (),
        tuple([_milestone(name, value) for name, value in t.milestones.items()]),
        usage.prompt_tokens,
        usage.completion_tokens,
        len(t.turns),
    )


def _by_sample(f: EpisodeFacts) -> int:
    return f.sample


def _passed(f: EpisodeFacts, threshold: float) -> bool:
    return f.reward is not None and f.reward >= threshold


def _scored(items: Iterable[EpisodeFacts]) -> list[EpisodeFacts]:
    """The episodes with a reward: what rates, means and advantages are computed over."""
    return [f for f in items if f.reward is not None]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _slice(items: Sequence[EpisodeFacts], threshold: float, k: int) -> DifficultySummary:
    groups: dict[str, list[bool]] = defaultdict(list)
    scored = _scored(items)
    for f in scored:
        groups[f.task_id].append(_passed(f, threshold))
    full = [(len(g), sum(g)) for g in groups.values() if len(g) >= k]
    return DifficultySummary(
        episodes=len(items),
        mean_reward=_mean([f.reward for f in scored if f.reward is not None]),
        pass_at_1=_mean([float(_passed(f, threshold)) for f in scored]),
        tasks=len({f.task_id for f in items}),
        pass_at_k=_mean([pass_at_k(n, c, k) for n, c in full]),
        pass_hat_k=_mean([pass_hat_k(n, c, k) for n, c in full]),
    )


def summarize(
    trajectories: Iterable[Trajectory],
    *,
    threshold: float = 1.0,
    k: int | None = None,
    reward_range: tuple[float, float] | None = None,
) -> Summary:
    """Summarise trajectories: rewards, pass@1, pass@k, pass^k, errors, milestones, tokens.

    Args:
        trajectories: Episodes, in any order (several samples per task form a group).
        threshold: A sample passes when ``reward >= threshold``.
        k: The k of pass@k / pass^k; default the largest group size.
        reward_range: The env's declared reward range (``EnvSpec.reward_range``);
            episodes outside it are counted in `Summary.reward_range`.

    Example:
        >>> from gymforge.types import Task
        >>> task = Task(id="t0", prompt="?")
        >>> ts = [Trajectory(run_id="r", env_id="e", task_id="t0", sample=i, seed=i,
        ...                  policy="p", task=task, reward=r) for i, r in enumerate([1.0, 0.0])]
        >>> s = summarize(ts)
        >>> (s.k, s.pass_at_1, s.pass_at_k, s.pass_hat_k)
        (2, 0.5, 1.0, 0.0)
    """
    return summarize_facts(
        [episode_facts(t) for t in trajectories],
        threshold=threshold,
        k=k,
        reward_range=reward_range,
    )


def summarize_facts(
    items: Sequence[EpisodeFacts],
    *,
    threshold: float = 1.0,
    k: int | None = None,
    reward_range: tuple[float, float] | None = None,
) -> Summary:
    """`summarize` of the trajectories these facts come from (same order, same result)."""
    groups: dict[str, list[EpisodeFacts]] = defaultdict(list)
    tasks = {f.task_id for f in items}
    for f in _scored(items):
        groups[f.task_id].append(f)
    if k is None:
        k = max((len(g) for g in groups.values()), default=1)
    elif k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    per_task_p1: list[float] = []
    per_task_pk: list[float] = []
    per_task_hk: list[float] = []
    incomplete = len(tasks) - len(groups)  # tasks with no scored sample at all
    for group in groups.values():
        n, c = len(group), sum(_passed(f, threshold) for f in group)
        per_task_p1.append(c / n)
        if n < k:
            incomplete += 1
            continue
        per_task_pk.append(pass_at_k(n, c, k))
        per_task_hk.append(pass_hat_k(n, c, k))

    rewards = [f.reward for f in items if f.reward is not None]
    errors = Counter(f.error for f in items if f.error is not None)
    infrastructure = sum(f.error is not None and not f.policy_caused for f in items)
    policy_failures = sum(f.error is not None and f.policy_caused for f in items)
    by_level: dict[str, list[EpisodeFacts]] = defaultdict(list)
    by_tag: dict[str, list[EpisodeFacts]] = defaultdict(list)
    milestone_hits: Counter[str] = Counter()
    for f in items:
        by_level[f.level].append(f)
        for tag in f.tags:
            by_tag[tag].append(f)
        for name, hit in f.milestones:
            milestone_hits[name] += hit
    usage = Usage(
        prompt_tokens=sum(f.prompt_tokens for f in items),
        completion_tokens=sum(f.completion_tokens for f in items),
    )
    return Summary(
        episodes=len(items),
        tasks=len(tasks),
        k=k,
        threshold=threshold,
        mean_reward=_mean(rewards),
        undecided=len(items) - len(rewards) - infrastructure,
        infrastructure=infrastructure,
        policy_failures=policy_failures,
        pass_at_1=_mean(per_task_p1),
        pass_at_k=_mean(per_task_pk),
        pass_hat_k=_mean(per_task_hk),
        incomplete_groups=incomplete,
        errors=sum(errors.values()),
        errors_by_boundary=dict(sorted(errors.items())),
        by_difficulty={level: _slice(fs, threshold, k) for level, fs in sorted(by_level.items())},
        by_tag={tag: _slice(fs, threshold, k) for tag, fs in sorted(by_tag.items())},
        milestone_rates={name: hits / len(items) for name, hits in sorted(milestone_hits.items())},
        usage=usage,
        mean_turns=_mean([float(f.turns) for f in items]),
        reward_range=None
        if reward_range is None
        else RewardRangeCheck.of(reward_range, (f.reward for f in items)),
    )


class GroupStats(BaseModel):
    """One task's group of samples: the GRPO view."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str
    """The group key."""
    samples: tuple[int, ...]
    """Sample indices, sorted."""
    rewards: tuple[float | None, ...]
    """Reward of each sample (aligned with `samples`); None for a sample left out."""
    mean: float | None
    """Mean of the scored rewards."""
    std: float | None
    """Population standard deviation (ddof=0) of the scored rewards."""
    advantages: tuple[float | None, ...]
    """GRPO advantage of each sample, ``(reward - mean) / (std + eps)`` (0 in a zero-variance
    group); None for a sample left out (infrastructure failure, or undecided)."""
    zero_variance: bool
    """True when every scored reward is equal: the group gives no learning signal."""
    excluded: int = 0
    """Samples left out: no reward, because infrastructure failed or the grader could
    not decide. Never trained on as 0."""


class GroupReport(BaseModel):
    """Per-group statistics and the groups that carry no learning signal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: tuple[GroupStats, ...]
    """One entry per task id, sorted by task id."""
    zero_variance: tuple[str, ...]
    """Task ids of zero-variance groups (all samples got the same reward)."""
    excluded: int = 0
    """Samples left out of every group (sum of `GroupStats.excluded`)."""
    excluded_infrastructure: int = 0
    """Of those, the ones an infrastructure failure ended (the rest were undecided)."""

    @property
    def zero_variance_fraction(self) -> float:
        """Share of groups without learning signal."""
        return len(self.zero_variance) / len(self.groups) if self.groups else 0.0


def group_stats(trajectories: Iterable[Trajectory], *, eps: float = 1e-6) -> GroupReport:
    """GRPO group statistics: per-task mean/std, advantages, zero-variance groups.

    Example:
        >>> from gymforge.types import Task
        >>> task = Task(id="t0", prompt="?")
        >>> ts = [Trajectory(run_id="r", env_id="e", task_id="t0", sample=i, seed=i,
        ...                  policy="p", task=task, reward=r) for i, r in enumerate([1.0, 0.0])]
        >>> g = group_stats(ts).groups[0]
        >>> (g.mean, g.std, [round(a, 3) for a in g.advantages])
        (0.5, 0.5, [1.0, -1.0])
    """
    return group_facts([episode_facts(t) for t in trajectories], eps=eps)


def group_facts(items: Iterable[EpisodeFacts], *, eps: float = 1e-6) -> GroupReport:
    """`group_stats` of the trajectories these facts come from (same result)."""
    groups: dict[str, list[EpisodeFacts]] = defaultdict(list)
    infrastructure = 0
    for f in items:
        groups[f.task_id].append(f)
        infrastructure += f.error is not None and not f.policy_caused
    out: list[GroupStats] = []
    for task_id in sorted(groups):
        members = groups[task_id]
        if len(members) > 1:
            members.sort(key=_by_sample)
        rewards = tuple([f.reward for f in members])
        decided = [r for r in rewards if r is not None]
        mean = _mean(decided)
        std = (
            math.sqrt(sum((r - mean) ** 2 for r in decided) / len(decided))
            if mean is not None
            else None
        )
        advantages = tuple(
            [
                None
                if r is None or mean is None or std is None
                else (0.0 if std == 0.0 else (r - mean) / (std + eps))
                for r in rewards
            ]
        )
        fields = {
            "task_id": task_id,
            "samples": tuple([f.sample for f in members]),
            "rewards": rewards,
            "mean": mean,
            "std": std,
            "advantages": advantages,
            "zero_variance": std is not None and std == 0.0,
            "excluded": len(rewards) - len(decided),
        }
        # Validating thousands of groups was most of a run's closing cost; values of
        # exactly the declared types (what validated trajectories give) need none.
        trusted = task_id.__class__ is str and all(
            r is None or r.__class__ is float for r in rewards
        )
        out.append(_trusted(GroupStats, fields) if trusted else GroupStats.model_validate(fields))
    return GroupReport(
        groups=tuple(out),
        zero_variance=tuple(g.task_id for g in out if g.zero_variance),
        excluded=sum(g.excluded for g in out),
        excluded_infrastructure=infrastructure,
    )
