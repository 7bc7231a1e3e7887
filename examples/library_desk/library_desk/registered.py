"""Importing this module registers the desk env: the ``--import`` route, no packaging.

``gymforge run example/LibraryDesk-v0 --import library_desk.registered ...`` from the
folder that holds ``library_desk/``. Registering the same spec again is a no-op, so it
does no harm when the package is installed too.
"""

from __future__ import annotations

from library_desk import register_envs

register_envs()
