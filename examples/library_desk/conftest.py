"""Collection settings for the example's own tests."""

# Importing it registers the env as a side effect (the `--import` route); doctest
# collection would import it and hide whether the entry point registers the env.
collect_ignore = ["library_desk/registered.py"]
