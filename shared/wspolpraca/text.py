"""Text folded for comparison: case and diacritics (Polish and others) ignored."""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a combining mark.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"})


def search_key(text: str) -> str:
    """`text` lowercased, without diacritics (Polish and others), whitespace collapsed.

    "  Fundacja  ŁÓDŹ " → "fundacja lodz". Store it next to a name to match queries
    that ignore case and diacritics, or compare two texts by it.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
