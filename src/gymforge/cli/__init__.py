"""The `gymforge` console script: ``list``, ``show``, ``run``, ``inspect``, ``serve``.

Every `gymforge.errors.GymforgeError` and every usage error ends the command with
one message on stderr and exit code 2 (130 after Ctrl-C), never a traceback.

Example:
    >>> from gymforge.cli import app
    >>> sorted(c.name for c in app.registered_commands)
    ['inspect', 'list', 'run', 'serve', 'show']
"""

from gymforge.cli._app import app, main, run_cli

__all__ = ["app", "main", "run_cli"]
