"""Registers the reasoning envs (called by `gymforge.envs.register_builtins`)."""

from gymforge.env import register

__all__ = ["ENV_IDS", "register_envs"]

_ENTRY = "gymforge.envs.reasoning._env:ReasoningEnv"
ENV_IDS = {
    "gymforge/LinearEquations-v0": ("linear_equations", "Solve a linear equation for x"),
    "gymforge/LinearSystems-v0": ("linear_systems", "Solve a 2x2 or 3x3 linear system"),
    "gymforge/Fractions-v0": ("fractions", "Multi-step fraction arithmetic, exact answer"),
    "gymforge/WordProblems-v0": ("word_problems", "Word problems with random names and units"),
    "gymforge/Countdown-v0": ("countdown", "Reach a target number; any valid expression counts"),
    "gymforge/KnightsKnaves-v0": ("knights_knaves", "Knights and knaves with a unique solution"),
    "gymforge/Sudoku4-v0": ("sudoku4", "A 4x4 Sudoku with a unique solution"),
}
"""Single-turn env id -> (family name, description)."""


def register_envs() -> None:
    """Register every single-turn family env and ``gymforge/MultiStep-v0``."""
    for env_id, (family, description) in ENV_IDS.items():
        register(
            env_id,
            _ENTRY,
            kwargs={"family": family},
            description=f"{description} (levels 1-5), answer in \\boxed{{}}",
            max_turns=1,
            reward_range=(0.0, 1.0),
        )
    register(
        "gymforge/MultiStep-v0",
        "gymforge.envs.reasoning._env:MultiStepEnv",
        description="Chained quantities; each stated intermediate value is a verified milestone",
        max_turns=10,
        reward_range=(0.0, 1.0),
    )
