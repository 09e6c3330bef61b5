"""The translations (locales/*.toml): every language complete, consistent, plural forms where a
number is counted, and every key in use exists."""

from __future__ import annotations

import re
import shutil
import string
from collections.abc import Mapping
from pathlib import Path

import pytest

from ui.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    LANGUAGES,
    LOCALES,
    PLURAL_RULES,
    TEXT,
    TRANSLATIONS,
    load_locales,
    plural_form,
    translate,
)

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
TEXT_PREFIX = re.compile(r"""\btext_prefix\s*=\s*["']([a-z_]+\.[a-z0-9_]*)["']""")
ENGLISH = TRANSLATIONS.locales[DEFAULT_LANGUAGE]
PLURAL_KEYS = sorted(key for key, entry in ENGLISH.texts.items() if isinstance(entry, Mapping))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(entry) -> list[str]:
    """The texts of an entry: itself, or each plural form of a plural table."""
    if isinstance(entry, str):
        return [entry]
    return [text for form, text in entry.items() if form != "count"]


def test_there_are_two_languages_english_and_simplified_chinese():
    assert set(LANGUAGES) == {"en", "zh"}
    assert LANGUAGES == {"en": "English", "zh": "简体中文"}  # the picker's names, in order
    assert list(LANGUAGES) == list(LANGUAGE_CODES) and DEFAULT_LANGUAGE == "en"
    assert sorted(path.stem for path in LOCALES.glob("*.toml")) == sorted(LANGUAGE_CODES)


def test_every_language_has_exactly_the_english_keys():
    for code, locale in TRANSLATIONS.locales.items():
        assert not set(ENGLISH.texts) - set(locale.texts), f"{code}.toml lacks keys"
        assert not set(locale.texts) - set(ENGLISH.texts), f"{code}.toml has keys English lacks"


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_key_has_both_languages_non_empty_with_the_same_placeholders(key):
    entry = TEXT[key]
    assert isinstance(entry, tuple) and len(entry) == len(LANGUAGES) == 2, key
    expected = placeholders(forms(entry[0])[-1])
    for code in LANGUAGE_CODES:  # each file's own entry, not English standing in for it
        for text in forms(TRANSLATIONS.locales[code].texts[key]):
            assert text.strip(), f"{key} has an empty translation in {code}"
            assert placeholders(text) == expected, (key, code, text)


def test_chinese_texts_are_chinese():
    # A few keys are the same in both (the language picker's label, symbols); the rest must
    # contain Chinese characters, or a Chinese screen shows English.
    untranslated = [
        key
        for key, (english, chinese_entry) in TEXT.items()
        for chinese in forms(chinese_entry)
        if not CJK.search(chinese)
        and chinese in forms(english)  # so English has no Chinese character either
        and any(ch.isalpha() for ch in chinese)
        and len(chinese.split()) > 1
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
    with pytest.raises(KeyError):  # a plural text without its number: callers fall back
        translate("class.error_student_quota", "en", kind="digits")
    assert translate("sidebar.data_full", "xx", source="X") == "Data in use: X"  # unknown: en


def test_every_key_in_the_table_is_used():
    """A key no code asks for is dead text that translators keep up to date for nothing.

    A key counts as used when it appears as a string literal in the app's code, or when an
    f-string there builds it from a prefix (`t(f"arch.pooling_{name}")` uses every
    `arch.pooling_*` key), or a prefix literal is handed on (`chapter_tabs(..., "arch.tab_")`),
    or a library's error family names the prefix of its texts (`text_prefix = "photo.error_"`
    in cnn/ or classroom/: `ui.errors` shows `text_prefix + reason`)."""
    sources = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]
    code = "\n".join(path.read_text() for path in sources if path.name != "i18n.py")
    literals = set(re.findall(r"""["']([a-z_]+\.[a-z0-9_]+)["']""", code))
    prefixes = set(re.findall(r"""f["']([a-z_]+\.[a-z0-9_]*)\{""", code))
    assert prefixes, "no f-string keys found: the pattern is out of date"
    prefixes |= {literal for literal in literals if literal.endswith("_")}
    prefixes |= set(re.findall(r"""["']([a-z_]+\.)["']""", code))
    for path in [*ROOT.glob("cnn/**/*.py"), *ROOT.glob("classroom/**/*.py")]:
        prefixes |= set(TEXT_PREFIX.findall(path.read_text()))
        # a library that reads the locales itself names its keys (cnn/notebook.py)
        literals |= set(re.findall(r"""["']([a-z_]+\.[a-z0-9_]+)["']""", path.read_text()))
    unused = sorted(
        key
        for key in TEXT
        if key not in literals and not any(key.startswith(prefix) for prefix in prefixes)
    )
    assert not unused, f"keys in the table that nothing uses: {unused}"


# --- plural forms ----------------------------------------------------------------------------


def test_english_counts_one_epoch_and_two_epochs():
    assert translate("train.cap_epochs", "en", epochs=1) == "at most 1 epoch"
    assert translate("train.cap_epochs", "en", epochs=2) == "at most 2 epochs"
    assert translate("train.cap_epochs", "en", epochs=0) == "at most 0 epochs"
    assert translate("train.stopped", "en", done=0, epochs=1).startswith(
        "Training stopped after 0 of 1 epoch."
    )
    # Numbers the callers format first: "1,000" is read as a thousand, "1" as one.
    assert translate("train.cap_train_digits", "en", digits="1,000") == (
        "at most 1,000 training digits"
    )
    assert translate("train.cap_train_digits", "en", digits="1") == "at most 1 training digit"
    # Without values a plural text reads as written, like any other text.
    assert translate("train.cap_epochs", "en") == "at most {epochs} epochs"


def test_chinese_has_one_form_for_every_number():
    for epochs in (1, 2, "1,000"):
        assert translate("train.cap_epochs", "zh", epochs=epochs) == f"最多 {epochs} 个训练轮数"


@pytest.mark.parametrize(
    ("number", "english"),
    [(1, "one"), ("1", "one"), (" 1 ", "one"), (-1, "one"), (0, "other"), (2, "other")]
    + [("1,000", "other"), ("1.0", "other"), (1.5, "other"), ("many", "other"), ("nan", "other")],
)
def test_plural_forms_follow_cldr(number, english):
    assert plural_form(PLURAL_RULES["one_other"], number) == english
    assert plural_form(PLURAL_RULES["other"], number) == "other"


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_plural_entry_has_the_forms_its_language_needs(code):
    locale = TRANSLATIONS.locales[code]
    rule = PLURAL_RULES[locale.plural]
    assert PLURAL_KEYS, "no plural texts: the English file lost them"
    for key, entry in locale.texts.items():
        if isinstance(entry, str):
            # One text serves a language with one form; a language with more needs a table
            # wherever English counts, or it says "1 epochs".
            assert key not in PLURAL_KEYS or rule.forms == ("other",), (code, key)
            continue
        named = set(entry) - {"count"}
        assert set(rule.forms) <= named, f"{code}: {key} needs the forms {rule.forms}"
        assert named <= set(rule.forms), f"{code}: {key} has forms its rule never picks"
        counted = entry.get("count") or TRANSLATIONS.counted_placeholder(key)
        assert all(counted in placeholders(text) for text in forms(entry)), (code, key)


# --- the files: a missing text, another language, a mistake --------------------------------


def write(folder: Path, code: str, body: str) -> None:
    (folder / f"{code}.toml").write_text(body, encoding="utf-8")


def test_a_key_missing_in_chinese_falls_back_to_english(tmp_path):
    shutil.copy(LOCALES / "en.toml", tmp_path / "en.toml")
    chinese = (LOCALES / "zh.toml").read_text(encoding="utf-8")
    assert '\ntitle = "CNN 实验室"\n' in chinese
    write(tmp_path, "zh", chinese.replace('\ntitle = "CNN 实验室"\n', "\n"))
    translations = load_locales(tmp_path, ("en", "zh"))
    assert translations.translate("app.title", "zh") == "CNN Lab"
    assert translations.table()["app.title"] == ("CNN Lab", "CNN Lab")
    assert translations.translate("nav.home", "zh") == "首页"


def test_a_third_language_is_one_file_and_one_code(tmp_path):
    for code in ("en", "zh"):
        shutil.copy(LOCALES / f"{code}.toml", tmp_path / f"{code}.toml")
    write(
        tmp_path,
        "de",
        '[meta]\nname = "Deutsch"\nplural = "one_other"\n\n[nav]\nhome = "Start"\n\n'
        '[train]\ncap_epochs.one = "höchstens {epochs} Epoche"\n'
        'cap_epochs.other = "höchstens {epochs} Epochen"\n',
    )
    translations = load_locales(tmp_path, ("en", "zh", "de"))
    assert translations.languages == {"en": "English", "zh": "简体中文", "de": "Deutsch"}
    assert translations.translate("nav.home", "de") == "Start"
    # The counted placeholder is named once, in English.
    assert translations.translate("train.cap_epochs", "de", epochs=1) == "höchstens 1 Epoche"
    assert translations.translate("train.cap_epochs", "de", epochs=3) == "höchstens 3 Epochen"
    assert translations.translate("nav.dataset", "de") == "Dataset"  # not translated yet
    assert translations.table()["nav.home"] == ("Home", "首页", "Start")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('[meta]\nname = "Deutsch"\nplural = "one_other"\n[nav\n', "not valid TOML"),
        ('[meta]\nname = "Deutsch"\n', "plural = one of"),
        ('[meta]\nname = "Deutsch"\nplural = "other"\n[nav]\nhome = 1\n', "nav.home"),
        ('[meta]\nname = "Deutsch"\nplural = "other"\n[nav]\nhome.one = "x"\n', "nav.home"),
    ],
)
def test_a_mistake_in_a_file_names_the_file(tmp_path, body, says):
    shutil.copy(LOCALES / "en.toml", tmp_path / "en.toml")
    write(tmp_path, "de", body)
    with pytest.raises(ValueError, match=says) as caught:
        load_locales(tmp_path, ("en", "de"))
    assert "de.toml" in str(caught.value)


def test_english_is_always_loaded(tmp_path):
    with pytest.raises(ValueError, match="'en'"):
        load_locales(LOCALES, ("zh",))
