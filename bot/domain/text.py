"""Text as people type it, made fit to store and to show: the one place that decides.

What a person types in any chat reaches the use cases through `clean`, which decides per kind
of character:

- **Removed:** NUL and every other C0 and C1 control character except tab and newline (a
  carriage return, alone or before a newline, becomes a newline; line and paragraph
  separators become newlines), and the zero-width characters (zero-width space, non-joiner,
  word joiner, byte order mark, Mongolian vowel separator, invisible operators). They cannot
  be stored everywhere (PostgreSQL refuses NUL) and show as nothing, so dropping them loses
  nothing a reader could see. A zero-width joiner between two symbols is kept: it builds
  emoji such as "👩‍💻".
- **Refused** (`UnsafeTextError`, a friendly re-ask): the bidirectional embeddings, overrides
  and isolates (U+202A-U+202E, U+2066-U+2069). They make text display in another order than it
  is stored, so a summary could read one way and mean another; removing them silently would
  change what the person sees, so they are asked to type it again.

`terminal_safe` makes any text safe to print on a terminal, and `name_key` is the key under
which two names count as the same.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["UnsafeTextError", "clean", "name_key", "terminal_safe"]


class UnsafeTextError(ValueError):
    """Text with characters that change the order it displays in (bidirectional controls)."""


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u2060\u2061\u2062\u2063\u2064\ufeff\u180e")
_ZWJ = "\u200d"
_KEPT_CONTROLS = frozenset("\t\n")
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85]")


def _control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F


def _symbol(ch: str) -> bool:
    """Part of an emoji: a symbol, a skin-tone modifier or the emoji variation selector."""
    return unicodedata.category(ch) in ("So", "Sk") or ch == "\ufe0f"


def clean(text: str) -> str:
    """`text` with what cannot be stored or shown removed (see the module); UnsafeTextError
    if it holds bidirectional controls."""
    if any(ch in _BIDI_CONTROLS for ch in text):
        raise UnsafeTextError("bidirectional control characters")
    text = _NEWLINES.sub("\n", text)
    kept: list[str] = []
    for i, ch in enumerate(text):
        if ch in _ZERO_WIDTH or (_control(ch) and ch not in _KEPT_CONTROLS):
            continue
        if ch == _ZWJ and not (
            kept and _symbol(kept[-1]) and i + 1 < len(text) and _symbol(text[i + 1])
        ):
            continue
        kept.append(ch)
    return "".join(kept)


def terminal_safe(text: str, *, newlines: bool = True, json: bool = False) -> str:
    """`text` for a terminal: control characters (escape sequences included), bidirectional
    controls and zero-width characters (so look-alike names tell apart) shown as visible
    escapes such as `\\x1b` or `\\u202e` (`json`: always `\\u001b`, valid inside JSON
    strings), never acted on; tab and (if `newlines`) newline kept."""
    out: list[str] = []
    for ch in text:
        if ch == "\n" and newlines or ch == "\t":
            out.append(ch)
        elif _control(ch) and not json:
            out.append(f"\\x{ord(ch):02x}")
        elif _control(ch) or ch in _BIDI_CONTROLS or ch in _ZERO_WIDTH or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def name_key(name: str) -> str:
    """The key under which two names are the same: compatibility-normalised (NFKC, so
    full-width 'Ａｃｍｅ' is 'Acme'), invisible characters dropped, spaces collapsed, case
    folded."""
    normal = unicodedata.normalize("NFKC", name)
    visible = "".join(
        ch for ch in normal if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace()
    )
    return " ".join(visible.split()).casefold()
