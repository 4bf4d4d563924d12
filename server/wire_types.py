r"""Constrained strings several APIs take, defined once. Patterns end with `$(?!\n)`: Python's
`$` also matches before a final newline (« a@b.fr\n » would pass, and break a mail header),
and `\Z` is no JSON Schema (ECMA-262) regex, which the OpenAPI document publishes."""

from __future__ import annotations

from typing import Annotated

import msgspec

# One address: no list separators, quotes or angle brackets a mail header would read as
# several recipients or a display name; a dot in the domain.
_ADDRESS_CHAR = r"[^@\s,;:<>\"()\[\]\\]"
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=rf"^{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+$(?!\n)",
        examples=["secretariat@cpts-exemple.fr"],
    ),
]
Phone = Annotated[
    str, msgspec.Meta(min_length=4, max_length=32, pattern=r"^\+?[0-9 ().\-]+$(?!\n)")
]
Insee = Annotated[str, msgspec.Meta(pattern=r"^(\d{5}|2[AB]\d{3})$(?!\n)")]
