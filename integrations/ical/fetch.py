"""Fetches a professional's calendar URL, without becoming a door into our own network.

The URL is the owner's, so it may point anywhere: the host is resolved once, every address
it resolves to must be public (no loopback, private, link-local, multicast or reserved range),
and the connection goes to that checked address, with the name kept for TLS and Host, so a
DNS answer cannot change between the check and the connection. Redirects are followed by hand
(at most 3), each re-checked. Bodies are capped; conditional requests spare unchanged files.
`allow_private` exists for tests and closed deployments only (CPTS_CALENDAR_ALLOW_PRIVATE).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from kernel.errors import CodedError

MAX_BYTES = 5_000_000
MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 15.0  # each connect or read
TOTAL_SECONDS = 30.0  # the whole fetch, redirects included
USER_AGENT = "cpts-snp busy-time import"


class FetchError(CodedError):
    """The calendar could not be fetched; the message is safe to show to its owner."""


@dataclass(frozen=True, slots=True)
class Fetched:
    body: bytes | None  # None: not modified since the validators we sent
    etag: str | None
    last_modified: str | None


def normalise_url(url: str, *, allow_private: bool = False) -> str:
    """The URL as it will be fetched (webcal:// is https://); FetchError if unusable."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise FetchError(
            "the address must start with https:// or webcal://", code="calendar_url_scheme"
        )
    if parts.scheme == "http" and not allow_private:
        raise FetchError(
            "the address must use https:// (it carries your calendar's secret)",
            code="calendar_url_https",
        )
    if parts.username or parts.password:
        raise FetchError(
            "the address must not carry a user name or password", code="calendar_url_credentials"
        )
    if len(url) > 2000:
        raise FetchError("the address is too long", code="calendar_url_too_long")
    host = parts.hostname
    if len(host) > 253 or any(not 0 < len(label) <= 63 for label in host.rstrip(".").split(".")):
        raise FetchError("the address's host name is not valid", code="calendar_url_host_invalid")
    return urlunsplit(parts)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to, where a translator or tunnel would reach it:
    mapped (::ffff:a.b.c.d), NAT64, 6to4 (2002::/16), Teredo, IPv4-compatible."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]  # the client behind the tunnel
    return None


def _public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    # is_global excludes private, loopback, link-local, CGNAT (100.64/10, where some clouds
    # keep their metadata service), reserved and documentation ranges.
    return ip.is_global and not ip.is_multicast


async def _checked_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(
            f"the host {host} cannot be found", code="calendar_host_unknown", params={"host": host}
        ) from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError(
            f"the host {host} cannot be found", code="calendar_host_unknown", params={"host": host}
        )
    if not allow_private and not all(_public(a) for a in addresses):
        raise FetchError("the address points to a private network", code="calendar_url_private")
    return addresses[0]


async def _capped_body(response: httpx.Response) -> bytes:
    """The body, decompressed here step by step so that MAX_BYTES bounds what is held: a
    200 kB gzip of zeros is 200 MB once inflated, and httpx inflates a whole read at once."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    elif encoding in ("", "identity"):
        inflater = None
    else:
        raise FetchError(
            f"the calendar server sent an unknown encoding ({encoding[:20]})",
            code="calendar_server_encoding",
        )
    too_large = FetchError(
        f"the calendar is larger than {MAX_BYTES // 1_000_000} MB",
        code="file_too_large",
        params={"megabytes": MAX_BYTES // 1_000_000},
    )
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            if inflater is None:
                body += raw
            else:
                body += inflater.decompress(raw, MAX_BYTES + 1 - len(body))
                if inflater.unconsumed_tail:  # the output stopped at the cap
                    raise too_large
            if len(body) > MAX_BYTES:
                raise too_large
        if inflater is not None:
            body += inflater.flush()
            if not inflater.eof:
                raise zlib.error("truncated stream")
    except zlib.error as exc:
        raise FetchError(
            "the calendar server sent a corrupt compressed body", code="calendar_server_corrupt"
        ) from exc
    if len(body) > MAX_BYTES:
        raise too_large
    return bytes(body)


async def fetch_calendar(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    client: httpx.AsyncClient | None = None,
) -> Fetched:
    try:
        async with asyncio.timeout(TOTAL_SECONDS):  # a server trickling bytes cannot hold us
            return await _fetch(url, etag, last_modified, allow_private, client)
    except TimeoutError as exc:
        raise FetchError(
            f"the calendar server took more than {TOTAL_SECONDS:.0f} s",
            code="calendar_server_slow",
            params={"seconds": int(TOTAL_SECONDS)},
        ) from exc


async def _fetch(
    url: str,
    etag: str | None,
    last_modified: str | None,
    allow_private: bool,
    client: httpx.AsyncClient | None,
) -> Fetched:
    own = client is None
    # No proxies from the environment: the connection goes to the address checked here.
    client = client or httpx.AsyncClient(
        timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    )
    try:
        current = normalise_url(url, allow_private=allow_private)
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = await _checked_address(host, port, allow_private)
            netloc = f"[{address}]" if ":" in address else address
            pinned = urlunsplit(parts._replace(netloc=f"{netloc}:{port}"))
            headers = {
                "Host": parts.netloc.rsplit("@", 1)[-1],
                "User-Agent": USER_AGENT,
                "Accept": "text/calendar, */*;q=0.1",
                "Accept-Encoding": "gzip, deflate",  # decoded here, within MAX_BYTES
            }
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
            request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
            response = await client.send(request, stream=True)
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(
                            "the calendar server redirected nowhere",
                            code="calendar_server_redirect",
                        )
                    current = normalise_url(urljoin(current, location), allow_private=allow_private)
                    continue
                if response.status_code == 304:
                    return Fetched(None, etag, last_modified)
                if response.status_code != 200:
                    raise FetchError(
                        f"the calendar server answered {response.status_code}",
                        code="calendar_server_status",
                        params={"status": response.status_code},
                    )
                return Fetched(
                    await _capped_body(response),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
            finally:
                await response.aclose()
        raise FetchError("too many redirects", code="calendar_server_redirects")
    except httpx.HTTPError as exc:
        raise FetchError(
            f"the calendar server could not be reached ({type(exc).__name__})",
            code="calendar_server_unreachable",
        ) from exc
    finally:
        if own:
            await client.aclose()
