"""The time-entry CSV byte for byte: a small set of tricky entries, pinned.

Any change to the export's code (how rows are read, formatted, neutralised, streamed) must
leave these bytes alone: the columns, the translated header, the local dates and times
across DST changes, midnight and the year boundary (Europe/Berlin), ``h:mm`` and decimal
hours with their rounding, the formula neutralising, CSV quoting and the visibility policy.
"""

import csv
import datetime as dt
import io
import random

import pytest
from django.urls import reverse

from portal import csv_export
from portal.csv_export import csv_cell
from tests.factories import ProjectFactory, TimeEntryFactory, UserFactory
from tests.portal.test_visibility import set_visibility

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def tricky(settings, acme):
    settings.TIME_ZONE = "Europe/Berlin"
    website = ProjectFactory(client=acme, name="Acme, Website")
    evil = ProjectFactory(client=acme, name="=cmd|' /C calc'!A0")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    attacker = UserFactory(username="att", first_name="@evil", last_name="x")
    bare = UserFactory(username="only_username", first_name="", last_name="")
    spaced = UserFactory(username="zoe", first_name="\u3000 Zoë\t", last_name="")
    minus = UserFactory(username="-dash", first_name=" ", last_name="")
    rows = [
        # Across the spring-forward gap (01:30 CET → 03:15 CEST).
        (website, ada, at(2024, 3, 31, 0, 30), at(2024, 3, 31, 1, 15), "=1+2", True),
        # In the repeated hour of the autumn change (02:30 CEST → 02:30 CET).
        (website, ada, at(2024, 10, 27, 0, 30), at(2024, 10, 27, 1, 30), "+x", False),
        # Into the new year by one second: 23:59:59 → 00:00:00, 1 s.
        (evil, attacker, at(2024, 12, 31, 22, 59, 59), at(2024, 12, 31, 23), "-x", True),
        # Local midnight, 18 s: 0:00 and 0.005 h, rounded half-up to 0.01.
        (website, bare, at(2024, 6, 30, 22), at(2024, 6, 30, 22, 0, 18), "@x", True),
        # 100:59:59, 101.00 h.
        (website, spaced, at(2024, 1, 10, 8), at(2024, 1, 14, 12, 59, 59), "\tx", True),
        # 5,418 s: 1:30 and 1.505 h, half-up to 1.51 (not 1.50).
        (
            evil,
            minus,
            at(2024, 2, 1, 11, 0, 0, 999999),
            at(2024, 2, 1, 12, 30, 18, 999999),
            "\rx",
            True,
        ),
        (
            website,
            ada,
            at(2024, 2, 2, 9, 15),
            at(2024, 2, 2, 9, 45),
            'He said "hi", then\nleft',
            True,
        ),
        (website, ada, at(2024, 2, 3, 9, 15), at(2024, 2, 3, 9, 16), " =not a formula", False),
        (website, ada, at(2024, 2, 4, 9, 15), at(2024, 2, 4, 9, 15), "", True),
        (website, ada, at(2024, 2, 5, 9, 15), at(2024, 2, 5, 17, 44, 59), "Ünïcödé ✓;", True),
    ]
    for project, user, start, end, notes, billable in rows:
        TimeEntryFactory(
            project=project,
            user=user,
            start_time=start,
            end_time=end,
            notes=notes,
            billable=billable,
        )
    # A running entry is no row of the export.
    TimeEntryFactory(project=website, user=ada, start_time=at(2024, 2, 6, 9), end_time=None)


def export(portal_client, **extra) -> bytes:
    response = portal_client.get(reverse("portal:time_entries_csv"), **extra)
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content)


def test_csv_bytes(acme_client, tricky):
    assert export(acme_client) == EXPECTED


@pytest.mark.parametrize("rows_per_chunk", [1, 2, 3])
def test_csv_bytes_are_the_same_in_chunks_of_any_size(
    acme_client, tricky, monkeypatch, rows_per_chunk
):
    """Full chunks and the last, partial one join to the same bytes (nothing between rows)."""
    monkeypatch.setattr(csv_export, "ROWS_PER_CHUNK", rows_per_chunk)
    response = acme_client.get(reverse("portal:time_entries_csv"))
    chunks = list(response.streaming_content)

    assert b"".join(chunks) == EXPECTED
    assert len(chunks) > 2  # the header, then more than one chunk of rows


def test_csv_bytes_with_notes_and_names_hidden(acme_client, acme, tricky):
    set_visibility(acme, portal_show_notes=False, portal_show_team_names=False)
    assert export(acme_client) == EXPECTED_HIDDEN


def test_csv_bytes_in_german(acme_client, acme, tricky):
    set_visibility(acme, portal_show_team_names=False)
    assert export(acme_client, HTTP_ACCEPT_LANGUAGE="de") == EXPECTED_DE


def test_csv_bytes_of_a_filtered_export(acme_client, acme, tricky):
    """The page's filters (here: one local day, the autumn change) pick the same rows."""
    response = acme_client.get(
        reverse("portal:time_entries_csv"), {"date_from": "2024-10-27", "date_to": "2024-10-27"}
    )
    assert b"".join(response.streaming_content) == EXPECTED.split(b"\r\n")[0] + b"\r\n" + (
        [line for line in EXPECTED.split(b"\r\n") if line.startswith(b"2024-10-27")][0] + b"\r\n"
    )


def test_csv_cell_quotes_as_the_csv_module_does():
    """The rows are written by hand (``csv_cell``): the same bytes as ``csv.writer``."""
    alphabet = ['"', ",", "\r", "\n", "\t", " ", "'", "=", ";", "a", "Ü", "✓", "\\", "\x00"]
    rng = random.Random(11)
    values = ["", '"', '""', ",", "\r\n", " x ", *alphabet]
    values += ["".join(rng.choices(alphabet, k=rng.randint(1, 8))) for _ in range(5000)]
    for value in values:
        out = io.StringIO()
        csv.writer(out).writerow(["a", value, "b"])
        assert out.getvalue() == f"a,{csv_cell(value)},b\r\n", repr(value)


def _lines(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


EXPECTED = _lines(
    "date,start,end,project,team member,duration,hours,billable,notes",
    "2024-12-31,23:59,00:00,'=cmd|' /C calc'!A0,'@evil x,0:00,0.00,yes,'-x",
    '2024-10-27,02:30,02:30,"Acme, Website",Ada Lovelace,1:00,1.00,no,\'+x',
    '2024-07-01,00:00,00:00,"Acme, Website",only_username,0:00,0.01,yes,\'@x',
    '2024-03-31,01:30,03:15,"Acme, Website",Ada Lovelace,0:45,0.75,yes,\'=1+2',
    '2024-02-05,10:15,18:44,"Acme, Website",Ada Lovelace,8:29,8.50,yes,Ünïcödé ✓;',
    '2024-02-04,10:15,10:15,"Acme, Website",Ada Lovelace,0:00,0.00,yes,',
    '2024-02-03,10:15,10:16,"Acme, Website",Ada Lovelace,0:01,0.02,no, =not a formula',
    '2024-02-02,10:15,10:45,"Acme, Website",Ada Lovelace,0:30,0.50,yes,"He said ""hi"", then\nleft"',  # noqa: E501
    "2024-02-01,12:00,13:30,'=cmd|' /C calc'!A0,'-dash,1:30,1.51,yes,\"'\rx\"",
    '2024-01-10,09:00,13:59,"Acme, Website",Zoë,100:59,101.00,yes,\'\tx',
)

EXPECTED_HIDDEN = _lines(
    "date,start,end,project,team member,duration,hours,billable,notes",
    "2024-12-31,23:59,00:00,'=cmd|' /C calc'!A0,Team member,0:00,0.00,yes,",
    '2024-10-27,02:30,02:30,"Acme, Website",Team member,1:00,1.00,no,',
    '2024-07-01,00:00,00:00,"Acme, Website",Team member,0:00,0.01,yes,',
    '2024-03-31,01:30,03:15,"Acme, Website",Team member,0:45,0.75,yes,',
    '2024-02-05,10:15,18:44,"Acme, Website",Team member,8:29,8.50,yes,',
    '2024-02-04,10:15,10:15,"Acme, Website",Team member,0:00,0.00,yes,',
    '2024-02-03,10:15,10:16,"Acme, Website",Team member,0:01,0.02,no,',
    '2024-02-02,10:15,10:45,"Acme, Website",Team member,0:30,0.50,yes,',
    "2024-02-01,12:00,13:30,'=cmd|' /C calc'!A0,Team member,1:30,1.51,yes,",
    '2024-01-10,09:00,13:59,"Acme, Website",Team member,100:59,101.00,yes,',
)

EXPECTED_DE = _lines(
    "Datum,Beginn,Ende,Projekt,Teammitglied,Dauer,Stunden,abrechenbar,Notizen",
    "2024-12-31,23:59,00:00,'=cmd|' /C calc'!A0,Teammitglied,0:00,0.00,ja,'-x",
    '2024-10-27,02:30,02:30,"Acme, Website",Teammitglied,1:00,1.00,nein,\'+x',
    '2024-07-01,00:00,00:00,"Acme, Website",Teammitglied,0:00,0.01,ja,\'@x',
    '2024-03-31,01:30,03:15,"Acme, Website",Teammitglied,0:45,0.75,ja,\'=1+2',
    '2024-02-05,10:15,18:44,"Acme, Website",Teammitglied,8:29,8.50,ja,Ünïcödé ✓;',
    '2024-02-04,10:15,10:15,"Acme, Website",Teammitglied,0:00,0.00,ja,',
    '2024-02-03,10:15,10:16,"Acme, Website",Teammitglied,0:01,0.02,nein, =not a formula',
    '2024-02-02,10:15,10:45,"Acme, Website",Teammitglied,0:30,0.50,ja,"He said ""hi"", then\nleft"',
    "2024-02-01,12:00,13:30,'=cmd|' /C calc'!A0,Teammitglied,1:30,1.51,ja,\"'\rx\"",
    '2024-01-10,09:00,13:59,"Acme, Website",Teammitglied,100:59,101.00,ja,\'\tx',
)
