"""Membership of the CPTS association: counted for the ACI, shown in the directory."""

from __future__ import annotations

import enum


class Membership(enum.StrEnum):
    MEMBER = "member"  # adhérent
    PARTNER = "partner"  # partenaire (EHPAD, hospital…), not a voting member
    NONE = "none"  # listed in the directory, not a member
