"""German formats of ours, before Django's: one medium date style ("1. Sept. 2026")."""

DATE_FORMAT = "j. N Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j. N Y, H:i"
