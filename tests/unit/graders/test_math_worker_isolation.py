"""A math worker process imports the math code only: no gymforge package init, no env plugins."""

from __future__ import annotations

import pytest

from gymforge.graders._math_pool import VerifierPool

pytest.importorskip("math_verify")


def worker_modules() -> list[str]:
    """The `sys.modules` keys of a real worker of a real pool, after it served a verify."""
    pool = VerifierPool(size=1)
    try:
        assert pool.call(("verify", "2", "2", False), timeout_s=60) is True
        modules = pool.call(("modules",), timeout_s=60)
    finally:
        pool.close()
    assert isinstance(modules, list)
    return modules


def test_worker_loads_no_env_plugin_and_no_package_init() -> None:
    modules = worker_modules()
    assert "gymforge.graders._math_worker" in modules  # the report does come from a worker
    plugins = [m for m in modules if m == "gymforge.envs" or m.startswith("gymforge.envs.")]
    assert not plugins, f"the math worker loaded env plugins: {plugins}"
    assert "gymforge.env._registry" not in modules, "the math worker loaded the env registry"
    # gymforge's and gymforge.graders' __init__ never ran: the graders it does not use,
    # and the sandbox they pull in, are not there.
    for name in ("gymforge.env", "gymforge.graders._code", "gymforge.sandbox", "gymnasium"):
        assert name not in modules, f"the math worker imported {name}"
