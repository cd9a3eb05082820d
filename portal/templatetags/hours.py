"""``{% load hours %}``: an older name for the ``formatting`` library (timetracker/templatetags)."""

from timetracker.templatetags.formatting import duration, hm, hours, register, total_minutes

__all__ = ["duration", "hm", "hours", "register", "total_minutes"]
