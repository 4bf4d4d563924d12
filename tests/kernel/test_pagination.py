from __future__ import annotations

import pytest

from kernel.pagination import BadCursor, decode_cursor, encode_cursor


def test_cursor_round_trip() -> None:
    cursor = encode_cursor("dupont marie", "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    assert decode_cursor(cursor, 2) == ["dupont marie", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]


@pytest.mark.parametrize("bad", ["", "!!!", encode_cursor("only-one"), "eyJhIjoxfQ"])
def test_bad_cursor(bad: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(bad, 2)
