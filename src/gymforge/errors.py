"""The gymforge exception tree.

Every error gymforge raises on purpose joins one tree, classified by the boundary
that failed, so that callers (and the rollout engine) can decide who is to blame::

    GymforgeError
    ├── ConfigError          bad input from the user: a flag, a spec, a file
    │   └── NotFoundError    an id or a file that does not exist (with suggestions)
    ├── PolicyError          the model or its server failed (timeout, 5xx, bad output)
    ├── EnvError             the environment's own code failed
    ├── GraderError          a grader failed to run (not "the answer is wrong")
    ├── SandboxError         the isolation layer could not run a program
    └── ResumeError          a trajectories file cannot be resumed safely

`ToolError` is not part of the tree on purpose: it is raised inside a tool to
report a bad call *to the model*, and the env turns it into a tool message.

Example:
    >>> from gymforge.errors import NotFoundError, GymforgeError
    >>> issubclass(NotFoundError, GymforgeError)
    True
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EnvError",
    "GraderError",
    "GymforgeError",
    "NotFoundError",
    "PolicyError",
    "ResumeError",
    "SandboxError",
    "ToolError",
]


class GymforgeError(Exception):
    """Root of every error gymforge raises on purpose.

    The message is meant for a person: it says what is wrong and what to do next.
    """

    boundary: str = "gymforge"
    """Which boundary failed; recorded on trajectories as `error.boundary`."""


class ConfigError(GymforgeError):
    """Bad input from the user: a flag, a policy spec, a task file, an option."""

    boundary = "config"


class NotFoundError(ConfigError):
    """An env id, a file or another named thing does not exist."""

    boundary = "config"


class PolicyError(GymforgeError):
    """The policy (model, model server) failed: unreachable, timed out, bad output."""

    boundary = "policy"


class EnvError(GymforgeError):
    """The environment's own code failed (not a bad action, which is an observation)."""

    boundary = "env"


class GraderError(GymforgeError):
    """A grader could not run. A wrong answer is a score, never this error."""

    boundary = "grader"


class SandboxError(GymforgeError):
    """The sandbox could not run a program (missing tooling, failed isolation)."""

    boundary = "sandbox"


class ResumeError(ConfigError):
    """A trajectories file cannot be resumed safely (other run, damaged lines)."""

    boundary = "config"


class ToolError(Exception):
    """Raised by a tool to tell the *model* its call was wrong.

    The env catches it and answers with a tool message carrying the text, so the
    model can correct itself; it never ends the episode or the run.

    Example:
        >>> from gymforge.errors import ToolError
        >>> str(ToolError("order #12 is not pending"))
        'order #12 is not pending'
    """
