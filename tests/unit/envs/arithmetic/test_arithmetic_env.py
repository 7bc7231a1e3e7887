from gymforge.env import SingleTurnEnv, check_env, make, oracle_episode, spec
from gymforge.env.authoring import episode_trajectory
from gymforge.envs.arithmetic import ArithmeticEnv
from gymforge.types import Message, Task, Trajectory


async def test_spec_and_shape() -> None:
    env_spec = spec("gymforge/Arithmetic-v0")
    assert env_spec.max_turns == 1
    assert env_spec.entry_point.endswith(":ArithmeticEnv")
    env = make("gymforge/Arithmetic-v0")
    assert isinstance(env.unwrapped, SingleTurnEnv)
    obs, info = await env.reset(seed=0)
    assert [m.role for m in obs] == ["user"]
    assert obs[0].content == env.task.prompt
    assert "\\boxed{}" in (obs[0].content or "")
    assert info.tools == ()
    assert info.milestones == {"answered": False}
    assert env.task_family.name == "arithmetic"


async def test_every_level_is_reachable_and_seeded() -> None:
    env = ArithmeticEnv()
    levels = set()
    for seed in range(30):
        await env.reset(seed=seed)
        levels.add(env.task.difficulty)
        first = env.task
        await env.reset(seed=seed)
        assert env.task == first
    assert levels == {1, 2, 3, 4, 5}


async def test_grader_scores_right_wrong_and_missing_answers() -> None:
    env = ArithmeticEnv(difficulty=3, system_prompt="Answer briefly.")
    obs, _ = await env.reset(seed=7)
    assert obs[0] == Message.system("Answer briefly.")
    task = env.task

    def with_answer(text: str) -> Trajectory:
        return episode_trajectory(env, [*obs, Message.assistant(text)], [], seed=7, policy="test")

    grader = env.grader()
    assert (await grader.grade(task, with_answer(f"\\boxed{{{task.answer}}}"))).value == 1.0
    assert (await grader.grade(task, with_answer(f"Answer: {task.answer}"))).value == 1.0
    wrong = await grader.grade(task, with_answer(f"\\boxed{{{int(str(task.answer)) + 1}}}"))
    assert wrong.value == 0.0
    assert (await grader.grade(task, with_answer("no idea"))).value == 0.0


async def test_oracle_and_pinned_task() -> None:
    env = make("gymforge/Arithmetic-v0")
    pinned = Task(id="mine", prompt="What is 6*7?", answer=42)
    trajectory = await oracle_episode(env, seed=0, options={"task": pinned})
    assert trajectory.messages[-1].content == "\\boxed{42}"
    assert (await env.grader().grade(pinned, trajectory)).value == 1.0
    await check_env(make("gymforge/Arithmetic-v0", difficulty=5))


async def test_envs_are_fresh_and_share_one_stateless_grader() -> None:
    a, b = make("gymforge/Arithmetic-v0"), make("gymforge/Arithmetic-v0")
    assert a.unwrapped is not b.unwrapped
    assert a.grader() is b.grader()
    assert a.grader().config == {
        "factory": "gymforge/numeric",
        "args": {
            "rel_tol": 1e-9,
            "abs_tol": 1e-9,
            "extract": ["boxed", "answer_line"],
            "percent_ok": False,
            "name": "numeric",
        },
    }
    await a.reset(seed=1)
    await b.reset(seed=2)
    assert a.task != b.task
