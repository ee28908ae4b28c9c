"""Message catalogs: Russian by default, English on request, every key in both languages."""
from __future__ import annotations

from b24app.i18n import catalog, choose_language, translate


def test_russian_is_the_default_and_english_is_chosen_for_english_users() -> None:
    assert choose_language(None, "") == "ru"
    assert choose_language("en", "ru") == "en"
    assert choose_language("de", "EN") == "en"
    assert translate("ru", "common.save") == "Сохранить"
    assert translate("en", "common.save") == "Save"


def test_placeholders_are_filled() -> None:
    assert translate("en", "common.progress", done=3, total=7) == "3 of 7 done"


def test_a_missing_key_falls_back_instead_of_breaking_a_page() -> None:
    assert translate("en", "common.no_such_key") == "common.no_such_key"


def test_every_key_exists_in_both_languages() -> None:
    russian, english = set(catalog("ru")), set(catalog("en"))
    assert russian == english, f"only ru: {sorted(russian - english)}; only en: {sorted(english - russian)}"
