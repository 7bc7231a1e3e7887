"""`GymToolEnv`: any Gymnasium env with a `Discrete` action space as a gymforge env."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium
from gymnasium import spaces

from gymforge._util import derive_seed
from gymforge.env import Tool, ToolEnv, tool
from gymforge.envs.classic._reference import ReferencePolicy, default_reference
from gymforge.envs.classic._render import Renderer, known_env, render_generic
from gymforge.errors import ConfigError, EnvError, ToolError
from gymforge.graders import env_reward
from gymforge.tasks import task_field
from gymforge.types import JsonValue, Message, Task, ToolCall

__all__ = ["GymFamily", "GymToolEnv"]


class GymFamily:
    """Tasks of a bridged env: item i at seed s fixes the Gymnasium reset seed.

    Example:
        >>> t = GymFamily("FrozenLake-v1", "Reach the goal.").generate(3, seed=1)
        >>> t.id, isinstance(t.metadata["env_seed"], int)
        ('FrozenLake-v1/s1/3', True)
    """

    def __init__(self, name: str, prompt: str) -> None:
        self.name = name
        self.difficulty: int | None = None
        self._prompt = prompt

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Task `index` at `seed`: the prompt and the seed passed to the env's reset."""
        env_seed = derive_seed("gymforge.classic", self.name, seed, index) % 2**31
        return Task(
            id=f"{self.name}/s{seed}/{index}",
            prompt=self._prompt,
            family=self.name,
            metadata={"env_seed": env_seed},
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task's ``metadata.env_seed``, the Gymnasium reset seed.

        Optional: without it each episode's reset seed is derived from the episode's
        own seed. When given it must be an integer (anything else would be ignored).

        Raises:
            ValueError: ``metadata.env_seed`` is not an integer.
        """
        task_field(
            task,
            "metadata",
            "env_seed",
            kind=int,
            optional=True,
            why="the seed passed to the Gymnasium env's reset",
        )


def _describe_actions(n: int, start: int, names: Sequence[str] | None) -> str:
    if names and len(names) == n:
        return ", ".join(f"{start + i} = {name}" for i, name in enumerate(names))
    return f"an integer from {start} to {start + n - 1}"


class GymToolEnv(ToolEnv):
    """A Gymnasium env with a `Discrete` action space, played by an LLM through one tool.

    The observation is rendered as text by `renderer` (defaults for Gymnasium's
    classic-control and toy-text envs, `render_generic` otherwise). The agent acts
    with ``act(action: int)``; an action outside the space is answered with an
    ``error:`` tool message (outcome ``tool_raised``) and does not step the env.
    Several ``act`` calls in one message are several env steps; those after the
    episode ended are not run (``after_end``, or ``refused`` once Gymnasium's time
    limit truncated it). The env's reward is passed through (the step
    reward is the sum over the turn's calls) and graded by `env_reward`; the env's
    ``terminated`` ends the episode and its ``truncated`` truncates it. The episode's
    Gymnasium reset seed is derived from the gymforge seed, so episodes reproduce.

    ``reference_action`` plays `reference` (observation -> action), by default the
    built-in policy of a known env (value iteration for FrozenLake, CliffWalking
    and Taxi; a balancing controller for CartPole; heuristics for MountainCar, Acrobot
    and Blackjack); an env without one plays uniformly random actions from the
    episode's seeded rng.

    In a survival env (CartPole) a good episode never terminates: Gymnasium's time
    limit truncates it, with the full return (500 on CartPole-v1). The bridge says so
    to `check_env` through `oracle_truncates_at`, which is then the time limit.

    Args:
        env: A Gymnasium id (made with ``gymnasium.make``) or an env instance.
        renderer: ``(gym_env, observation) -> str``; None picks the default.
        reference: ``observation -> action`` for `reference_action`; None picks the default.
        env_kwargs: Keyword arguments for ``gymnasium.make`` (only with an id).
        action_names: Meaning of each action, shown in the tool description.
        goal: The first line of the prompt (what the agent should achieve).

    Raises:
        ConfigError: The action space is not `Discrete`, or the id is unknown.

    Example:
        >>> import asyncio
        >>> env = GymToolEnv("FrozenLake-v1")
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> info.tools[0].name, obs[-1].content.splitlines()[-5]
        ('act', '@FFF')
    """

    def __init__(
        self,
        env: str | gymnasium.Env[Any, Any],
        *,
        renderer: Renderer | None = None,
        reference: ReferencePolicy | None = None,
        env_kwargs: Mapping[str, Any] | None = None,
        action_names: Sequence[str] | None = None,
        goal: str | None = None,
    ) -> None:
        if isinstance(env, str):
            try:
                gym_env = gymnasium.make(env, disable_env_checker=True, **dict(env_kwargs or {}))
            except gymnasium.error.Error as exc:
                raise ConfigError(f"cannot make Gymnasium env {env!r}: {exc}") from exc
            name = env
        else:
            if env_kwargs:
                raise ConfigError("env_kwargs only apply when env is a Gymnasium id")
            gym_env = env
            name = gym_env.spec.id if gym_env.spec is not None else type(gym_env.unwrapped).__name__
        space = gym_env.action_space
        if not isinstance(space, spaces.Discrete):
            raise ConfigError(
                f"{name}: the bridge needs a Discrete action space, got {space}; "
                "wrap the env to discretise its actions"
            )
        known = known_env(gym_env)
        self.gym_env = gym_env
        """The wrapped Gymnasium env."""
        self.n_actions = int(space.n)
        self.action_start = int(space.start)
        self.renderer: Renderer = renderer or (known.renderer if known else render_generic)
        self._reference = reference if reference is not None else default_reference(gym_env)
        names = action_names or (known.actions if known else None)
        self.action_text = _describe_actions(self.n_actions, self.action_start, names)
        horizon = gym_env.spec.max_episode_steps if gym_env.spec is not None else None
        self.oracle_truncates_at: int | None = horizon if known and known.survival else None
        """For `check_env`: the reference lasts until Gymnasium's time limit truncates the
        episode at this many turns (one ``act`` per turn). Set for envs whose success is
        survival (CartPole) when they have a time limit; None: the reference terminates."""
        goal_text = goal or (known.goal if known else f"Act in the {name} environment.")
        prompt = f"{goal_text}\nActions: {self.action_text}."
        self._act_tool = self._make_act_tool()
        super().__init__(GymFamily(name, prompt), env_reward(), tools=[self._act_tool])
        self.obs: Any = None
        """The last observation from the Gymnasium env."""
        self.episode_return = 0.0
        """Sum of the env's rewards this episode."""
        self.env_steps = 0
        """Gymnasium steps taken this episode."""

    def _make_act_tool(self) -> Tool:
        lo, hi = self.action_start, self.action_start + self.n_actions - 1

        def act(action: int) -> str:
            return self._act(action)

        act.__doc__ = (
            f"Take one action in the environment.\n\nArgs:\n"
            f"    action: One of {lo}-{hi}: {self.action_text}.\n"
        )
        return tool(act)

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Reset the Gymnasium env with the task's seed."""
        seed = self.task.metadata.get("env_seed")
        env_seed = seed if isinstance(seed, int) else derive_seed("gymforge.classic", self.seed)
        self.obs, _ = self.gym_env.reset(seed=env_seed % 2**31)
        self.episode_return = 0.0
        self.env_steps = 0

    def _view(self) -> str:
        return self.renderer(self.gym_env, self.obs)

    async def opening_messages(self) -> Sequence[Message]:
        """The goal, the action meanings and the first observation."""
        return [
            Message.system(
                "You control an agent in a reinforcement-learning environment. Call act(action) "
                "with an integer action; you may call it several times in one message."
            ),
            Message.user(f"{self.task.prompt}\n{self._view()}"),
        ]

    async def on_text(self, message: Message) -> Sequence[Message]:
        """Text alone does not act: say so."""
        return [Message.user(f"error: nothing happened; call act(action) with {self.action_text}.")]

    def info_extra(self) -> dict[str, JsonValue]:
        """The env id, steps taken and the return so far."""
        return {
            "gym_env": self.task_family.name,
            "env_steps": self.env_steps,
            "episode_return": self.episode_return,
        }

    def _act(self, action: int) -> str:
        lo, hi = self.action_start, self.action_start + self.n_actions - 1
        if isinstance(action, bool) or not isinstance(action, int) or not lo <= action <= hi:
            raise ToolError(
                f"action {action!r} is out of range: use an integer {lo}-{hi} ({self.action_text})"
            )
        try:
            obs, reward, terminated, truncated, _ = self.gym_env.step(action)
        except Exception as exc:
            raise EnvError(f"the Gymnasium env failed on step({action}): {exc!r}") from exc
        self.obs = obs
        self.env_steps += 1
        self.episode_return += float(reward)
        self.add_reward(float(reward))
        text = f"reward {float(reward):g}\n{self._view()}"
        if terminated:
            self.end_episode()
            return f"{text}\nThe episode has ended (return {self.episode_return:g})."
        if truncated:
            self.truncate_episode()
            return f"{text}\nThe episode was cut short by its time limit."
        return text

    async def reference_action(self) -> Message:
        """One ``act`` call with the reference policy's action (random when there is none)."""
        if self._reference is not None:
            action = int(self._reference(self.obs))
        else:
            action = self.action_start + self.rng.randrange(self.n_actions)
        call = ToolCall.make("act", json.dumps({"action": action}), id=f"ref-{self.turn}")
        return Message.assistant(tool_calls=[call])

    async def close(self) -> None:
        """Close the Gymnasium env."""
        self.gym_env.close()
