"""What Schemathesis sends beyond the document: every operation that takes a JSON body is sent
that body again as `text/plain` (what a cross-site form can post without asking) and with no
Content-Type at all; both must be refused with 415 problem+json before anything is read or
written. Loaded by `st run` through SCHEMATHESIS_HOOKS; the check is named in its --checks."""

from __future__ import annotations

from typing import Any

import requests
import schemathesis

_PROBED: set[str] = set()
_ANSWERED_BEFORE_THE_BODY = frozenset({400, 401, 403, 404, 405, 429})
_VARIANTS = {"text/plain": "text/plain;charset=UTF-8", "no Content-Type": None}


def _is_json(content_type: str) -> bool:
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


@schemathesis.check
def json_bodies_only_as_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Once per operation (the probes do not depend on the generated values), from the first
    request that carried a valid JSON body to the operation's own route and got past
    authentication, roles and the body checks of the middleware, which come first (a 400 for
    control characters, 401, 403, 404, 405 or 429 says nothing about the media type; nor does a
    request the coverage phase sent with another method or a broken body)."""
    sent = response.request
    body = sent.body
    if response.status_code in _ANSWERED_BEFORE_THE_BODY:
        return None
    if sent.method != case.operation.method.upper():
        return None
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return None
    if not body or not _is_json(sent.headers.get("Content-Type", "")):
        return None
    label = case.operation.label
    if label in _PROBED:
        return None
    _PROBED.add(label)
    for variant, content_type in _VARIANTS.items():
        headers = {k: v for k, v in sent.headers.items() if k.lower() != "content-type"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = requests.request(
            sent.method, sent.url, data=body, headers=headers, timeout=30, allow_redirects=False
        )
        kind = answer.headers.get("Content-Type", "")
        if answer.status_code != 415 or not kind.startswith("application/problem+json"):
            raise AssertionError(
                f"{label} with the JSON body sent as {variant}: expected 415 "
                f"application/problem+json, got {answer.status_code} {kind} (the JSON request: {response.status_code})"
            )
    return None
