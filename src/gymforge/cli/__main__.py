"""`python -m gymforge.cli` runs the `gymforge` command."""

from gymforge.cli import main

main()
