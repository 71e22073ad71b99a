"""Text as channels send it, made comparable: full-width digits and letters (typed on a Chinese
IME), ideographic spaces, case."""

from __future__ import annotations

import unicodedata


def plain(text: str) -> str:
    """NFKC (１８３ → 183, ＡＢ → AB, the ideographic space → a space) and trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def has_letter(text: str) -> bool:
    """True when some character is a letter of any script (汉字, Latin, kana, ...)."""
    return any(unicodedata.category(c).startswith("L") for c in text)
