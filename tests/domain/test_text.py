"""Text that cannot be stored or shown: removed or refused in one place, never printed raw."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import UnsafeTextError, clean, name_key, terminal_safe


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("a\x00b", "ab"),  # NUL: PostgreSQL cannot store it
        ("bell\x07 and \x1b[31mred\x1b[0m", "bell and [31mred[0m"),
        ("c1\x85line\x9bcsi", "c1\nlinecsi"),  # NEL is a line break, CSI goes
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nline\rmac", "windows\nline\nmac"),
        ("line\u2028separator", "line\nseparator"),
        ("zero\u200bwidth\u2060joined\ufeff", "zerowidthjoined"),
        ("non\u200cjoiner", "nonjoiner"),
        ("👩\u200d💻 coder", "👩\u200d💻 coder"),  # an emoji sequence keeps its joiner
        ("a\u200db", "ab"),  # between letters it only hides
        ("Ærø 1.200 kr", "Ærø 1.200 kr"),
        ("", ""),
    ],
)
def test_what_cannot_be_stored_or_seen_is_removed(typed: str, kept: str) -> None:
    assert clean(typed) == kept


@pytest.mark.parametrize("override", ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2069"])
def test_text_that_displays_in_another_order_is_refused(override: str) -> None:
    with pytest.raises(UnsafeTextError):
        clean(f"invoice{override}fdp.exe")


@given(st.text())
def test_cleaned_text_holds_no_control_nor_invisible_character(text: str) -> None:
    try:
        cleaned = clean(text)
    except UnsafeTextError:
        assert any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in text)
        return
    for ch in cleaned:
        assert ch in "\t\n" or unicodedata.category(ch) != "Cc"
        assert ch not in "\x00\u200b\u200c\u2060\ufeff\r"
    assert clean(cleaned) == cleaned  # once is enough


@given(st.text())
def test_terminal_safe_text_carries_no_escape_sequence(text: str) -> None:
    shown = terminal_safe(text, newlines=False)
    assert all(unicodedata.category(ch) != "Cc" or ch == "\t" for ch in shown)
    assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in shown)


def test_terminal_safe_shows_what_it_neutralises() -> None:
    assert terminal_safe("\x1b[2Jgone\u202eevil\nnext") == "\\x1b[2Jgone\\u202eevil\nnext"
    assert terminal_safe("a\nb", newlines=False) == "a\\x0ab"
    assert terminal_safe("Acme\u200b") == "Acme\\u200b"  # a look-alike shows as one
    assert terminal_safe("Ærø\t👩\u200d💻") == "Ærø\t👩\u200d💻"


@pytest.mark.parametrize(
    "twin",
    ["Acme A/S", "ACME a/s", "Acme\u200b A/S", "Ａｃｍｅ Ａ/Ｓ", "  Acme   A/S ", "Ac\u00adme A/S"],
)
def test_names_that_only_look_different_have_one_key(twin: str) -> None:
    assert name_key(twin) == name_key("Acme A/S") == "acme a/s"


def test_names_that_differ_have_different_keys() -> None:
    assert name_key("Acme A/S") != name_key("Acme ApS")
    assert name_key("Ærø") != name_key("Aero")
