"""The env server (`gymforge serve`) and `RemoteEnv`, its client. Needs `gymforge[server]`.

Episodes are sessions: create (which resets), step, read state, close, over plain
HTTP or one WebSocket; both paths share one session lifecycle. See docs/server.md.
"""

try:
    import fastapi as _fastapi  # noqa: F401 - probe for the extra
    import websockets as _websockets  # noqa: F401
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    from gymforge.errors import ConfigError as _ConfigError

    raise _ConfigError("the env server needs its extra: pip install 'gymforge[server]'") from _exc

from gymforge.server._app import ServerConfig, create_app
from gymforge.server._client import (
    RemoteEnv,
    RemoteError,
    RemoteGrader,
    RemoteTaskFamily,
    RemoteTimeout,
    RemoteUnavailable,
)
from gymforge.server._protocol import PROTOCOL_VERSION
from gymforge.server._serve import is_loopback, serve
from gymforge.server._sessions import ServerError, SessionManager

__all__ = [
    "PROTOCOL_VERSION",
    "RemoteEnv",
    "RemoteError",
    "RemoteGrader",
    "RemoteTaskFamily",
    "RemoteTimeout",
    "RemoteUnavailable",
    "ServerConfig",
    "ServerError",
    "SessionManager",
    "create_app",
    "is_loopback",
    "serve",
]
