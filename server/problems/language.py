"""Which language a caller reads its problems in: French when `Accept-Language` prefers it to
English, English otherwise (the API's language; the pages always ask for French)."""

from __future__ import annotations

from collections.abc import Iterable

_MAX_RANGES = 16  # a header of hundreds of ranges is read no further than this


def prefers_french(headers: Iterable[tuple[bytes, bytes]] | str | None) -> bool:
    """True when the Accept-Language header (raw ASGI headers, or its value) ranks French
    above English; ties go to the first listed."""
    value = _header(headers)
    if not value:
        return False
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(value.split(",")[:_MAX_RANGES]):
        tag, _, rest = item.strip().partition(";")
        language = tag.strip().lower().split("-", 1)[0]
        if language not in ("fr", "en", "*"):
            continue
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return best is not None and best[2] == "fr"


def _header(headers: Iterable[tuple[bytes, bytes]] | str | None) -> str:
    if headers is None or isinstance(headers, str):
        return (headers or "")[:1024]
    for name, value in headers:
        if name.lower() == b"accept-language":
            return value[:1024].decode("latin-1")
    return ""
