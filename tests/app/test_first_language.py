"""A first visit opens in the browser's language (`st.context.locale`); the sidebar's choice
wins and is kept for the session. AppTest seeds the locale through its public `context`."""

from __future__ import annotations

import pytest
import streamlit as st
from conftest import APP, TIMEOUT, assert_no_exception
from streamlit.testing.v1 import AppTest

from ui.frame import browser_language, language_for_locale
from ui.i18n import translate


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("zh", "zh"),
        ("zh-Hans-CN", "zh"),
        ("ZH_cn", "zh"),
        ("en-US", "en"),
        ("en", "en"),
        ("de-DE", "en"),
        ("zu-ZA", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_for_locale(locale, expected):
    assert language_for_locale(locale) == expected


def test_browser_language_is_english_when_the_locale_cannot_be_read(monkeypatch):
    assert browser_language() == "en"  # outside a script run: no context at all

    def unreadable(self):
        raise RuntimeError("no client context")

    monkeypatch.setattr(type(st.context), "locale", property(unreadable))
    assert browser_language() == "en"


def first_visit(locale: str | None) -> AppTest:
    """app.py's first run in a fresh session whose browser reports `locale`."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if locale is not None:
        at.context["locale"] = locale
    return at.run()


def assert_shown_in(at: AppTest, language: str) -> None:
    assert_no_exception(at)
    assert at.selectbox(key="sidebar_language").value == language
    assert at.title[0].value == translate("app.title", language)
    assert at.sidebar.subheader[0].value == translate("sidebar.data", language)


@pytest.mark.parametrize(
    ("locale", "expected"), [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-US", "en"), (None, "en")]
)
def test_first_visit_opens_in_the_browsers_language(locale, expected):
    assert_shown_in(first_visit(locale), expected)


def test_the_sidebars_choice_wins_over_the_locale_and_is_kept():
    at = first_visit("zh-CN")
    assert_shown_in(at, "zh")

    at.selectbox(key="sidebar_language").set_value("en").run()
    assert_shown_in(at, "en")
    at.run()  # a later rerun: the locale does not take over again
    assert_shown_in(at, "en")
    at.switch_page("pages/dataset.py").run()
    assert_no_exception(at)
    assert at.selectbox(key="sidebar_language").value == "en"


def test_a_language_already_in_the_session_is_not_replaced():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context["locale"] = "zh-CN"
    at.session_state["lang"] = "en"
    assert_shown_in(at.run(), "en")
