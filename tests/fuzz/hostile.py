"""Hostile values for query parameters and form fields (issue 8, item 2).

Each strategy mixes hand-picked cases that broke real pages (extreme dates, 30-digit ids,
NUL, SQL-ish text) with generated text, numbers and dates, so shrinking still lands on a
readable value.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

KNOWN_BAD = [
    "",
    " ",
    "' OR 1=1 --",
    '"; DROP TABLE tracking_timeentry; --',
    "1; SELECT pg_sleep(10)",
    "%",
    "_",
    "\\",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "0001-01-01T00:00",
    "0001-01-01 00:00",
    "9999-12-31T23:59:59",
    "10000-01-01",
    "2024-02-30",
    "2024-13-01",
    "1969-12-31T23:59:59-23:59",
    "-1",
    "0",
    "-0",
    "9" * 30,
    "-" + "9" * 30,
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "1.5",
    "1e308",
    "1e-308",
    "NaN",
    "inf",
    "-inf",
    "99999999999999.99",
    "\x00",
    "1\x00",
    "a\x00b",
    "%00",
    "\r\n",
    "\x1b[31m",
    "\u202eevil\u202c",
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew (RTL)
    "\U0001f4a9\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "e\u0301\u0301\u0301",
    "\ufeff",
    "\ud7ff\uffff",
    "a" * 10_000,
    "a " * 2_000,
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "__all__",
    "id",
    "-id",
    "pk__gt",
    "last",
]

dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str)
datetimes = st.tuples(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from("T "),
).map(lambda pair: pair[0].isoformat(sep=pair[1]))

hostile_value = st.one_of(
    st.sampled_from(KNOWN_BAD),
    st.text(max_size=40),
    st.text(
        alphabet=st.characters(categories=["Cc", "Cf", "Mn", "So"]),
        max_size=20,
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    dates,
    datetimes,
)

# A parameter is sent once or repeated (Django's QueryDict keeps every value).
hostile_values = st.lists(hostile_value, min_size=1, max_size=3)

random_names = st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=1, max_size=12)


def hostile_params(known: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A query (or form body) as pairs: each ``known`` name with a good chance (so one
    example probes many parameters at once), plus a few random names, each with one or more
    hostile values."""
    known_part = st.fixed_dictionaries({}, optional=dict.fromkeys(known, hostile_values))
    extra_part = st.lists(st.tuples(random_names, hostile_values), max_size=2)
    return (
        st.tuples(known_part, extra_part)
        .map(
            lambda parts: [
                (key, value) for key, values in [*parts[0].items(), *parts[1]] for value in values
            ]
        )
        .filter(bool)
    )  # never the empty query hypothesis would try first
