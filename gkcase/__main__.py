"""``python -m gkcase``: the command line (gkcase/cli.py)."""

from gkcase.cli import main

main()
