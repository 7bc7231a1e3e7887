"""Reference environments, registered on import of `gymforge.envs`."""
