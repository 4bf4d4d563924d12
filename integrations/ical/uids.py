"""The UIDs this server writes in its feeds: stable across hosts and regenerations, so that the
busy-time import recognises its own events coming back through a GP's calendar app."""

UID_DOMAIN = "cpts-snp"


def is_own_uid(uid: str) -> bool:
    return uid.endswith(f"@{UID_DOMAIN}")
