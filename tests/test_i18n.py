"""The translation table: both languages complete, consistent, and every key in use exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ui.i18n import LANGUAGES, TEXT, translate

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_there_are_two_languages_english_and_simplified_chinese():
    assert set(LANGUAGES) == {"en", "zh"}


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_key_has_both_languages_non_empty_with_the_same_placeholders(key):
    entry = TEXT[key]
    assert isinstance(entry, tuple) and len(entry) == 2, key
    english, chinese = entry
    assert english.strip() and chinese.strip(), f"{key} has an empty translation"
    assert placeholders(english) == placeholders(chinese), key


def test_chinese_texts_are_chinese():
    # A few keys are the same in both (the language picker's label, symbols); the rest must
    # contain Chinese characters, or a Chinese screen shows English.
    untranslated = [
        key
        for key, (english, chinese) in TEXT.items()
        if not CJK.search(chinese)
        and chinese == english
        and CJK.search(english) is None
        and any(ch.isalpha() for ch in english)
        and len(english.split()) > 1
    ]
    assert not untranslated, f"English left in the Chinese column: {untranslated}"


def test_keys_used_by_the_app_exist():
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""", path.read_text()))
    assert used, "no t(...) calls found: the pattern is out of date"
    missing = sorted(used - set(TEXT))
    assert not missing, f"keys used but not in the table: {missing}"


def test_translate_fills_placeholders_and_rejects_unknown_keys():
    assert translate("sidebar.data_full", "en", source="X") == "Data in use: X"
    assert translate("sidebar.data_full", "zh", source="X") == "当前数据：X"
    with pytest.raises(KeyError):
        translate("no.such_key", "en")


def test_every_key_in_the_table_is_used():
    """A key no code asks for is dead text that translators keep up to date for nothing.

    A key counts as used when it appears as a string literal in the app's code, or when an
    f-string there builds it from a prefix (`t(f"arch.pooling_{name}")` uses every
    `arch.pooling_*` key), or a prefix literal is handed on (`chapter_tabs(..., "arch.tab_")`)."""
    sources = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]
    code = "\n".join(path.read_text() for path in sources if path.name != "i18n.py")
    literals = set(re.findall(r"""["']([a-z_]+\.[a-z0-9_]+)["']""", code))
    prefixes = set(re.findall(r"""f["']([a-z_]+\.[a-z0-9_]*)\{""", code))
    assert prefixes, "no f-string keys found: the pattern is out of date"
    prefixes |= {literal for literal in literals if literal.endswith("_")}
    unused = sorted(
        key
        for key in TEXT
        if key not in literals and not any(key.startswith(prefix) for prefix in prefixes)
    )
    assert not unused, f"keys in the table that nothing uses: {unused}"
