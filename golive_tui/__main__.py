"""`python -m golive_tui` runs the CLI."""

from .cli import main

main()
