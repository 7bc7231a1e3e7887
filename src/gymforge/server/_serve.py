"""Run the env server with uvicorn (what `gymforge serve` calls)."""

from __future__ import annotations

import importlib
import ipaddress
import logging

from gymforge.errors import ConfigError
from gymforge.server._app import ServerConfig, create_app

__all__ = ["is_loopback", "serve"]

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for addresses that only this machine can reach.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    config: ServerConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    imports: tuple[str, ...] = (),
    log_level: str = "warning",
) -> None:
    """Serve every registered env until interrupted; shuts down gracefully.

    Args:
        config: Auth and limits.
        host: Address to bind. `--no-auth` is refused unless it is a loopback address.
        port: TCP port.
        imports: Modules to import first, for the envs they register.
        log_level: uvicorn's log level.
    """
    if config.no_auth and not is_loopback(host):
        raise ConfigError(
            f"--no-auth is only allowed on a loopback address, not {host!r}: give a token "
            "with --token (or GYMFORGE_TOKEN) to serve on the network"
        )
    for module in imports:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"--import {module!r}: cannot import it ({exc})") from exc
    import uvicorn

    app = create_app(config)
    uv_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=config.max_body_bytes,
        timeout_graceful_shutdown=int(config.shutdown_grace_s),
        backlog=4096,
        ws_ping_interval=None,
    )
    uvicorn.Server(uv_config).run()
