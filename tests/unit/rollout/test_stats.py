"""summarize / pass@k / pass^k / group advantages against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from gymforge.rollout import group_stats, pass_at_k, pass_hat_k, summarize
from gymforge.types import ErrorRecord, Generation, Message, Task, Trajectory, Usage


def _t(task: str, sample: int, reward: float | None, **kw: object) -> Trajectory:
    difficulty = kw.pop("difficulty", None)
    return Trajectory(
        run_id="r",
        env_id="e",
        task_id=task,
        sample=sample,
        seed=sample,
        policy="p",
        task=Task(id=task, prompt="?", difficulty=difficulty),  # type: ignore[arg-type]
        reward=reward,
        **kw,  # type: ignore[arg-type]
    )


def test_pass_at_k_hand_computed() -> None:
    # n=5, c=2, k=3: 1 - C(3,3)/C(5,3) = 1 - 1/10
    assert pass_at_k(5, 2, 3) == pytest.approx(0.9)
    assert pass_at_k(5, 0, 3) == 0.0
    assert pass_at_k(3, 1, 1) == pytest.approx(1 / 3)
    # n-c < k: every draw of k contains a pass
    assert pass_at_k(4, 2, 3) == 1.0


def test_pass_hat_k_hand_computed() -> None:
    # n=5, c=3, k=2: C(3,2)/C(5,2) = 3/10
    assert pass_hat_k(5, 3, 2) == pytest.approx(0.3)
    assert pass_hat_k(3, 3, 3) == 1.0
    assert pass_hat_k(3, 2, 3) == 0.0


@pytest.mark.parametrize(("n", "c", "k"), [(3, 4, 1), (3, 1, 0), (3, 1, 4), (3, -1, 1)])
def test_pass_at_k_rejects_impossible_counts(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="need 0 <= c <= n"):
        pass_at_k(n, c, k)


def test_summarize_hand_computed_two_groups() -> None:
    error = ErrorRecord(boundary="policy", type="PolicyError", message="down")
    u = Usage(prompt_tokens=5, completion_tokens=1)
    gen = Generation(usage=u)
    ts = [
        # task a: 2 of 3 pass
        _t("a", 0, 1.0, difficulty=1, milestones={"auth": True}),
        _t("a", 1, 1.0, difficulty=1, messages=(Message.assistant("x", generation=gen),), usage=u),
        _t("a", 2, 0.0, difficulty=1, usage=u),
        # task b: 0 of 3 pass (one error, one undecided)
        _t("b", 0, 0.5, difficulty=2, milestones={"auth": False}),
        _t("b", 1, None, difficulty=2, error=error),
        _t("b", 2, None, difficulty=2),
    ]
    s = summarize(ts)
    assert (s.episodes, s.tasks, s.k) == (6, 2, 3)
    assert s.mean_reward == pytest.approx((1 + 1 + 0 + 0.5) / 4)
    # b/1 failed for a reason the policy did not cause and b/2 is undecided: both are left
    # out of every rate (never counted as a failure to pass), so task b has one scored
    # sample of three and is an incomplete group for pass@3.
    assert (s.undecided, s.infrastructure, s.policy_failures) == (1, 1, 0)
    assert s.pass_at_1 == pytest.approx((2 / 3 + 0) / 2)
    assert s.pass_at_k == pytest.approx(1.0)
    assert s.pass_hat_k == 0.0
    assert s.incomplete_groups == 1
    assert s.errors == 1
    assert s.errors_by_boundary == {"policy": 1}
    assert s.by_difficulty["1"].pass_at_1 == pytest.approx(2 / 3)
    assert s.by_difficulty["2"].mean_reward == 0.5
    assert s.milestone_rates == {"auth": pytest.approx(1 / 6)}
    assert s.usage == Usage(prompt_tokens=10, completion_tokens=2)


def test_summarize_threshold_and_explicit_k() -> None:
    ts = [_t("a", i, r) for i, r in enumerate([0.8, 0.6, 0.2])]
    assert summarize(ts).pass_at_1 == 0.0
    s = summarize(ts, threshold=0.5, k=2)
    assert s.pass_at_1 == pytest.approx(2 / 3)
    assert s.pass_at_k == pytest.approx(1 - math.comb(1, 2) / math.comb(3, 2))
    assert s.pass_hat_k == pytest.approx(math.comb(2, 2) / math.comb(3, 2))


def test_incomplete_groups_left_out_of_pass_at_k() -> None:
    ts = [_t("a", 0, 1.0), _t("a", 1, 0.0), _t("b", 0, 1.0)]
    s = summarize(ts)
    assert s.k == 2
    assert s.incomplete_groups == 1
    assert s.pass_at_k == 1.0  # only task a counts
    assert s.pass_at_1 == pytest.approx((0.5 + 1.0) / 2)


def test_summarize_empty() -> None:
    s = summarize([])
    assert (s.episodes, s.mean_reward, s.pass_at_k) == (0, None, None)


def test_group_advantages_and_zero_variance() -> None:
    ts = [
        _t("a", 2, 0.0),
        _t("a", 0, 1.0),
        _t("a", 1, 1.0),
        _t("a", 3, None),
        _t("z", 0, 1.0),
        _t("z", 1, 1.0),
    ]
    report = group_stats(ts, eps=0.0)
    a, z = report.groups
    assert a.samples == (0, 1, 2, 3)
    assert a.mean == pytest.approx(2 / 3)
    std = math.sqrt(((1 / 3) ** 2 * 2 + (2 / 3) ** 2) / 3)
    assert a.std == pytest.approx(std)
    assert a.advantages[0] == pytest.approx((1 - 2 / 3) / std)
    assert a.advantages[2] == pytest.approx((0 - 2 / 3) / std)
    assert a.advantages[3] is None
    assert not a.zero_variance
    assert z.zero_variance
    assert z.advantages == (0.0, 0.0)
    assert report.zero_variance == ("z",)
    assert report.zero_variance_fraction == 0.5


def test_group_all_undecided_has_no_stats() -> None:
    (g,) = group_stats([_t("a", 0, None)]).groups
    assert (g.mean, g.std, g.advantages, g.zero_variance) == (None, None, (None,), False)


def test_group_stats_equal_validated_models_whatever_the_reward_types() -> None:
    from gymforge.rollout._stats import GroupStats

    task = Task(id="t0", prompt="?")
    trajs = [
        Trajectory(
            run_id="r", env_id="e", task_id="t0", sample=s, seed=s, policy="p", task=task, reward=r
        )
        for s, r in ((2, 0.0), (0, 1.0), (1, None))
    ]
    group = group_stats(trajs).groups[0]
    again = GroupStats.model_validate(group.model_dump())
    assert group == again
    assert group.model_dump_json() == again.model_dump_json()
    assert group.samples == (0, 1, 2)
    odd = [t.model_copy(update={"reward": 1}) for t in trajs]  # unvalidated int rewards
    assert group_stats(odd).groups[0].rewards == (1.0, 1.0, 1.0)


def test_string_milestones_are_rated_per_value() -> None:
    # A game's `outcome` is always set, so "truthy" would rate it 1.0 whatever happened.
    ts = [
        _t("a", 0, 1.0, milestones={"outcome": "win", "moves": 4}),
        _t("a", 1, 0.0, milestones={"outcome": "draw", "moves": 0}),
        _t("b", 0, -1.0, milestones={"outcome": "win", "note": ""}),
        _t("b", 1, -1.0, milestones={"outcome": "loss"}),
    ]
    rates = summarize(ts).milestone_rates
    assert rates == {
        "moves": 0.25,
        "note": 0.0,
        "outcome=draw": 0.25,
        "outcome=loss": 0.25,
        "outcome=win": 0.5,
    }
