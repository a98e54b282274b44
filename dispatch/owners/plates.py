"""One spelling for every licence plate, so "浙 a40001", "浙Ａ４０００１" and "浙A·40001" are one vehicle.

Every place that stores or compares a plate (job intake, the vehicle register, vans, search) goes through
`normalise_plate`: Unicode NFKC folds full-width letters and digits to ASCII, separators people type or
print (spaces, the middle dot on plates, hyphens) are dropped, and letters are upper-cased.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_SEPARATORS = frozenset(" \t\r\n·•・.-_")


def normalise_plate(plate: str) -> str:
    """The stored form of `plate`: NFKC, no separators, upper case."""
    folded = unicodedata.normalize("NFKC", plate)
    return "".join(ch for ch in folded if ch not in _SEPARATORS and not ch.isspace()).upper()


PlateIn = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(normalise_plate),
    StringConstraints(min_length=5, max_length=16),
]
"""A plate as clients send it; validated after normalising (5 to 16 characters)."""
