"""Every visible string of the app, read from one TOML file per language in `locales/`.

Keys are `area.name` (`[train]` `cap_epochs = "…"` in a file is `train.cap_epochs`). Texts may
hold `{placeholders}` filled by `translate(key, language, **values)`; every language of a key
uses the same placeholders (a test checks it). A text that counts something is a table of
plural forms, `{ count = "epochs", one = "…", other = "…" }`: the form is picked by the
language's CLDR rule from the placeholder `count` names. English is complete and stands in for
any key another language lacks. Chinese terms follow shared/GLOSSARY.md.

A new language is a file `locales/<code>.toml` (its `[meta]` gives the picker's name and the
plural rule) plus its code in `LANGUAGE_CODES`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGE_CODES = ("en", "zh")  # the picker's order
DEFAULT_LANGUAGE = "en"  # complete; the fallback for a key another language lacks

Entry = str | Mapping[str, str]  # a text, or a plural table: forms and the counted placeholder


@dataclass(frozen=True)
class PluralRule:
    """A CLDR plural rule: the forms a text needs, and which one a number takes."""

    forms: tuple[str, ...]
    pick: Callable[[int, int], str]  # (i, v): integer digits, count of visible fraction digits


PLURAL_RULES = {
    "other": PluralRule(("other",), lambda i, v: "other"),  # Chinese, Japanese, Korean...
    "one_other": PluralRule(  # English, German, Dutch...: "1 epoch", "0 / 1.0 / 2 epochs"
        ("one", "other"), lambda i, v: "one" if i == 1 and v == 0 else "other"
    ),
}


@dataclass(frozen=True)
class Locale:
    """One language's file: the picker's name, its plural rule and its texts by key."""

    code: str
    name: str
    plural: str
    texts: dict[str, Entry]


def read_locale(path: Path) -> Locale:
    """Read `path` (`locales/<code>.toml`); a mistake in it is a ValueError naming the file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path} is not valid TOML: {error}. Fix that line.") from error
    meta = document.pop("meta", {})
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("name"), str)
        or meta.get("plural") not in PLURAL_RULES
    ):
        raise ValueError(
            f"{path} needs a [meta] table with name = the language's name and plural = one of "
            f"{sorted(PLURAL_RULES)}; it has {meta!r}."
        )
    texts: dict[str, Entry] = {}
    for area, table in document.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path}: {area} = {table!r} must be inside an [area] table.")
        for name, entry in table.items():
            if not (isinstance(entry, str) or is_plural_table(entry)):
                raise ValueError(
                    f"{path}: {area}.{name} must be a text, or a table of plural forms with at "
                    f'least other = "…"; it is {entry!r}.'
                )
            texts[f"{area}.{name}"] = entry
    return Locale(path.stem, meta["name"], meta["plural"], texts)


def is_plural_table(entry) -> bool:
    """A table of texts, one per plural form, "other" among them (plus `count`)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("other"), str)
        and all(isinstance(text, str) for text in entry.values())
    )


@dataclass(frozen=True)
class Translations:
    """The languages the app speaks, `DEFAULT_LANGUAGE` among them."""

    locales: dict[str, Locale]

    def translate(self, key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
        """The text for `key` in `language` with `{placeholders}` filled; English where
        `language` is unknown or lacks the key. An unknown key raises `KeyError`, like a
        placeholder missing from `values`, so a typo fails in the tests, not in front of a
        class, and callers can fall back on an error's own English text."""
        locale = self.locales.get(language, self.locales[DEFAULT_LANGUAGE])
        if key not in locale.texts:
            locale = self.locales[DEFAULT_LANGUAGE]
        entry = locale.texts[key]
        if isinstance(entry, str):
            return entry.format(**values) if values else entry
        if not values:  # as for a plain text: the text as written
            return entry["other"]
        counted = entry.get("count") or self.counted_placeholder(key)
        form = plural_form(PLURAL_RULES[locale.plural], values[counted])
        return entry.get(form, entry["other"]).format(**values)

    def counted_placeholder(self, key: str) -> str:
        """The placeholder holding the number a plural text counts: English names it (a
        translation may leave `count` out), `count` when nothing does."""
        english = self.locales[DEFAULT_LANGUAGE].texts.get(key)
        return english.get("count", "count") if isinstance(english, Mapping) else "count"

    @property
    def languages(self) -> dict[str, str]:
        return {code: locale.name for code, locale in self.locales.items()}

    def table(self) -> dict[str, tuple[Entry, ...]]:
        """Every English key → its entry in each language (in `locales`' order), English
        standing in for a missing one: what `translate` reads."""
        english = self.locales[DEFAULT_LANGUAGE].texts
        return {
            key: tuple(locale.texts.get(key, entry) for locale in self.locales.values())
            for key, entry in english.items()
        }


def load_locales(folder: Path = LOCALES, codes: Sequence[str] = LANGUAGE_CODES) -> Translations:
    """The languages `codes`, read from `folder/<code>.toml`; `DEFAULT_LANGUAGE` must be one."""
    if DEFAULT_LANGUAGE not in codes:
        raise ValueError(f"The languages {list(codes)} must include {DEFAULT_LANGUAGE!r}.")
    return Translations({code: read_locale(Path(folder) / f"{code}.toml") for code in codes})


def plural_form(rule: PluralRule, number) -> str:
    """The form `number` takes under `rule`, read as it is shown: 1 and "1" are "one" in
    English, "1.0", "1,000" and anything not a number are "other"."""
    text = str(number).strip().replace(",", "").replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "other"
    if not value.is_finite():
        return "other"
    exponent = value.as_tuple().exponent
    return rule.pick(int(abs(value)), max(0, -exponent))


TRANSLATIONS = load_locales()
LANGUAGES = TRANSLATIONS.languages  # code → the name the picker shows
TEXT = TRANSLATIONS.table()  # key → (English entry, 简体中文 entry)
translate = TRANSLATIONS.translate
