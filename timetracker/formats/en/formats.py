"""English formats of ours, before Django's (settings.FORMAT_MODULE_PATH).

Times without Django's "noon" and "midnight" (the P format), so a span reads
"11:45 a.m.–12:00 p.m."; dates keep Django's "Sept. 1, 2026".
"""

DATE_FORMAT = "N j, Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = "N j, Y, g:i a"
