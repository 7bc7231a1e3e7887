"""The rollout engine: tasks x samples -> env <-> policy -> graders -> trajectories."""
