"""``python -m teller`` is the ``teller`` command."""

from teller.cli import main

main()
