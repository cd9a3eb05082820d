"""``{% load money %}``: an older name for the ``formatting`` library (timetracker/templatetags)."""

from timetracker.templatetags.formatting import money, register

__all__ = ["money", "register"]
