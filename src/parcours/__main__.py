"""`python -m parcours`: the same as the `parcours` command."""

from parcours.cli import main

main()
