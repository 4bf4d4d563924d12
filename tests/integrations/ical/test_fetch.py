"""Fetching a calendar over HTTP from a real local server: compressed bodies are inflated
step by step within the size cap (a gzip bomb costs kilobytes, not its inflated size)."""

from __future__ import annotations

import gzip
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from integrations.ical.fetch import MAX_BYTES, FetchError, fetch_calendar

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
BOMB = gzip.compress(bytes(200_000_000), compresslevel=9)  # ~200 kB, 200 MB inflated


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    bodies = {
        "/plain.ics": (CALENDAR, None),
        "/gzip.ics": (gzip.compress(CALENDAR), "gzip"),
        "/deflate.ics": (zlib.compress(CALENDAR), "deflate"),
        "/bomb.ics": (BOMB, "gzip"),
        "/corrupt.ics": (b"\x1f\x8b\x08\x00garbage", "gzip"),
        "/brotli.ics": (b"....", "br"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, encoding = bodies[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("path", ["/plain.ics", "/gzip.ics", "/deflate.ics"])
async def test_plain_and_compressed_bodies_read_the_same(server: str, path: str) -> None:
    fetched = await fetch_calendar(server + path, allow_private=True)
    assert fetched.body == CALENDAR


async def test_a_gzip_bomb_is_refused_within_a_few_megabytes(server: str) -> None:
    assert len(BOMB) < 300_000
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than"):
            await fetch_calendar(server + "/bomb.ics", allow_private=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BYTES, f"{peak / 1e6:.0f} MB held"


@pytest.mark.parametrize("path", ["/corrupt.ics", "/brotli.ics"])
async def test_corrupt_or_unknown_encodings_are_refused(server: str, path: str) -> None:
    with pytest.raises(FetchError):
        await fetch_calendar(server + path, allow_private=True)
