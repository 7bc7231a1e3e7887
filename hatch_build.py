"""Build hook: compile the ConnectFour solver (a plain C shared library, no Python API).

Hatchling runs this for every wheel, editable or not. An editable install builds the
library in place, next to its source (``src/gymforge/envs/games/_native/``); a normal
wheel builds it in a temporary folder and ships it at the same package path, and is
tagged for the platform. Without a C compiler the install still succeeds: gymforge then
uses the pure-Python solver (``gymforge.envs.games._solver.PySolver``), about 100x slower.

Run ``python hatch_build.py`` to rebuild the in-place library after editing the C file
(``make`` does it when the source is newer).
"""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).parent / "src" / "gymforge" / "envs" / "games" / "_native" / "c4solver.c"
TARGET = "gymforge/envs/games/_native/c4solver.so"


def compile_solver(out: Path) -> None:
    """Compile the solver into `out`; raises `subprocess.CalledProcessError` on failure."""
    cc = shlex.split(os.environ.get("CC", "cc"))
    flags = ["-O3", "-fPIC", "-shared", "-std=c11", "-Wall", "-Wextra", "-Werror"]
    if platform.machine().lower() in ("x86_64", "amd64"):
        flags.append("-mpopcnt")  # every x86-64 CPU since 2008; 3x faster bit counts
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".so.tmp")
    subprocess.run([*cc, *flags, "-o", str(tmp), str(SOURCE)], check=True)
    os.replace(tmp, out)  # atomic: a running process never loads a half-written file


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """Compiles ``c4solver.so`` and ships it; warns instead of failing without a compiler."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Called by hatchling before each wheel build."""
        if self.target_name != "wheel":
            return
        if version == "editable":
            out = Path(self.root) / "src" / TARGET
        else:
            out = Path(tempfile.mkdtemp(prefix="gymforge-build-")) / "c4solver.so"
        try:
            compile_solver(out)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(
                f"gymforge: could not compile the ConnectFour solver ({exc}); "
                "install a C compiler (e.g. apt-get install gcc) and reinstall for the "
                "fast solver. Falling back to the pure-Python solver.",
                file=sys.stderr,
            )
            return
        if version != "editable":
            build_data["force_include"][str(out)] = TARGET
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


if __name__ == "__main__":
    compile_solver(Path(__file__).parent / "src" / TARGET)
