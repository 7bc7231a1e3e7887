"""The gymforge exception tree.

Every error gymforge raises on purpose joins one tree, classified by the boundary
that failed, so that callers (and the rollout engine) can decide who is to blame::

    GymforgeError
    ├── ConfigError              bad input from the user: a flag, a spec, a file
    │   ├── NotFoundError        an id or a file that does not exist (with suggestions)
    │   └── ResumeError          a trajectories file cannot be resumed safely
    ├── PolicyError              the model or its server failed
    │   ├── PolicyTimeout        no answer in time                  (infrastructure)
    │   ├── PolicyUnavailable    unreachable, 5xx, refused request  (infrastructure)
    │   └── PolicyOutputError    the model's own output is unusable (the policy's doing)
    ├── EnvError                 the environment's own code failed
    │   ├── EnvCheckError        an env breaks the Env contract (gymforge.env; check_env)
    │   └── RemoteError          a call to an env server failed (gymforge.server; RemoteEnv)
    │       ├── RemoteTimeout    no answer in time, never re-sent (gymforge.server)
    │       └── RemoteUnavailable  refused or dropped connection (gymforge.server)
    ├── GraderError              a grader failed to run (not "the answer is wrong")
    ├── SandboxError             the isolation layer could not run a program
    └── ServerError              an error the env server answers a client with (gymforge.server)

    ToolError                    a tool call the model got wrong, answered to the model
    ├── ToolRefused              the env's own rules refused to run the call
    └── ToolFault                an injected fault (a retry may work)

The classes are defined here except those whose module is named. One error stays
outside the tree on purpose: ``gymforge.sandbox.CodecError`` (a `ValueError`), because
its module also runs inside the sandbox, where only the standard library exists.

Each class's ``boundary`` is one of `gymforge.types.BOUNDARIES`, except `ServerError`'s
``"server"``: the server answers it over HTTP and it never ends an episode (the client
raises a `RemoteError`, an `EnvError`). The engine records a failure at the failing error's own
boundary (a `SandboxError` raised while grading is ``sandbox``). Only a
`PolicyOutputError` raised by the episode's policy is blamed on the policy
(`gymforge.types.ErrorRecord.policy_caused`); everything else is infrastructure.

`ToolError` and its subclasses are outside the tree on purpose: a tool raises them to
report a bad call *to the model*; the env answers with a tool message carrying the
text and records the call's outcome kind (``tool_raised``, ``refused``, ``fault``).

Example:
    >>> from gymforge.errors import NotFoundError, GymforgeError, PolicyTimeout
    >>> issubclass(NotFoundError, GymforgeError), PolicyTimeout("slow").cause
    (True, 'timeout')
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConfigError",
    "EnvError",
    "GraderError",
    "GymforgeError",
    "NotFoundError",
    "PolicyError",
    "PolicyOutputError",
    "PolicyTimeout",
    "PolicyUnavailable",
    "ResumeError",
    "SandboxError",
    "ToolError",
    "ToolFault",
    "ToolRefused",
]


class GymforgeError(Exception):
    """Root of every error gymforge raises on purpose.

    The message is meant for a person: it says what is wrong and what to do next.
    """

    boundary: ClassVar[str | None] = None
    """Which boundary failed (one of `gymforge.types.BOUNDARIES`; None for the root,
    which the engine records at the stage that was running)."""
    cause: ClassVar[str | None] = None
    """A finer reason, recorded as `ErrorRecord.cause` (e.g. ``timeout``)."""


class ConfigError(GymforgeError):
    """Bad input from the user: a flag, a policy spec, a task file, an option."""

    boundary = "config"


class NotFoundError(ConfigError):
    """An env id, a file or another named thing does not exist."""


class ResumeError(ConfigError):
    """A trajectories file cannot be resumed safely (other run, damaged lines)."""


class PolicyError(GymforgeError):
    """The policy (model, model server) failed.

    Raise a subclass where the reason is known: `PolicyTimeout`, `PolicyUnavailable`
    (both infrastructure) or `PolicyOutputError` (the model's own output).
    """

    boundary = "policy"


class PolicyTimeout(PolicyError):
    """The model server did not answer in time (after the backend's retries)."""

    cause = "timeout"


class PolicyUnavailable(PolicyError):
    """The model server could not serve the request: infrastructure, never the policy's doing.

    Unreachable, a dropped connection, 5xx or 429 after retries, a refused request (401,
    404: the same for every episode, so the run's dead-server guard stops it), or an
    opening prompt that never fit the context window (the set-up, not the model's output).
    """

    cause = "unavailable"


class PolicyOutputError(PolicyError):
    """The model's own output cannot continue the episode.

    For example a completion that overflows the context window, or one the server
    could not turn into a message. The episode is graded as it stands: the policy's
    doing is scored, never excused.
    """

    cause = "bad_output"


class EnvError(GymforgeError):
    """The environment's own code failed (not a bad action, which is an observation)."""

    boundary = "env"


class GraderError(GymforgeError):
    """A grader could not run. A wrong answer is a score, never this error."""

    boundary = "grader"


class SandboxError(GymforgeError):
    """The sandbox could not run a program (missing tooling, failed isolation)."""

    boundary = "sandbox"


class ToolError(Exception):
    """Raised by a tool to tell the *model* its call was wrong.

    The env catches it and answers with a tool message carrying the text, so the
    model can correct itself; it never ends the episode or the run. The call's
    outcome is recorded with kind `kind`.

    Example:
        >>> from gymforge.errors import ToolError
        >>> str(ToolError("order #12 is not pending")), ToolError.kind
        ('order #12 is not pending', 'tool_raised')
    """

    kind: ClassVar[str] = "tool_raised"
    """The `gymforge.types.ToolOutcome.kind` of a call that raised this."""


class ToolRefused(ToolError):
    """The env's own rules refuse to run this call (a limit, a reserved name, one per turn)."""

    kind = "refused"


class ToolFault(ToolError):
    """An injected fault (fault injection): nothing was done, and a retry may work."""

    kind = "fault"
