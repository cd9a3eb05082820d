"""The catalogues (locale/{de,fr,nl}): complete, not fuzzy, compiled, and used by the pages."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def test_the_translated_languages_are_german_french_and_dutch():
    assert LANGUAGES == ["de", "fr", "nl"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_ours_is_translated_and_not_fuzzy(language):
    po = catalogue(language)
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if not e.obsolete and "fuzzy" in e.flags]
    assert missing == [], f"untranslated in {language}: run `make messages` and translate"
    assert fuzzy == [], f"fuzzy in {language}"
    assert len(po) > 600


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    """`make messages` compiles; a .po edited without compiling fails here."""
    po = catalogue(language)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po:
        if entry.obsolete:
            continue
        msgstr, plurals = compiled[(entry.msgctxt, entry.msgid)]
        if entry.msgid_plural:
            assert {int(k): v for k, v in plurals.items()} == {
                int(k): v for k, v in entry.msgstr_plural.items()
            }, entry.msgid
        else:
            assert msgstr == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_header(language):
    expected = {"de": "(n != 1)", "fr": "(n > 1)", "nl": "(n != 1)"}[language]
    assert expected in catalogue(language).metadata["Plural-Forms"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Rechnungen", "Zeiteinträge", "Projekte", "Abmelden", "Sprache ändern"]),
        ("fr", ["Factures", "Entrées de temps", "Projets", "Se déconnecter"]),
        ("nl", ["Facturen", "Tijdregistraties", "Projecten", "Afmelden"]),
    ],
)
def test_the_dashboard_speaks_the_browsers_language(client, acme_user, language, words):
    client.force_login(acme_user)
    content = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    text = content.content.decode()
    assert f'<html lang="{language}">' in text
    for word in words:
        assert word in text
    assert ">Invoices<" not in text
