"""``python -m bot`` is the ``empathybot`` command."""

from bot.cli import main

main()
