"""The interface speaks German and Turkish: every catalogue entry is translated and compiled."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_entry_is_translated(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_the_source(language):
    """A .po edited without `make messages` would ship stale text: the .mo must agree."""
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))

    with translation.override(language):
        for entry in catalogue.translated_entries():
            if entry.msgid_plural:
                assert (
                    translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                    == entry.msgstr_plural[0]
                )
            elif entry.msgctxt:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "treatments", "learn"),
    [("de", "Behandlungen", "Wissen"), ("tr", "Tedaviler", "Bilgi")],
)
def test_pages_show_the_interface_in_the_visitors_language(client, language, treatments, learn):
    html = client.get(f"/{language}/treatments/").text

    assert f">{treatments}</a>" in html
    assert f">{learn}</a>" in html
