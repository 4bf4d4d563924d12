"""From the items of a professional's agenda (or the pool) to feed events, in French.

No patient identity: summaries say what the time is for ("SNP – consultation réservée"), and
link to the application, where reading the case is audited. With the owner's opt-in the
patient's initials are added, never more.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from coordination.calendar.entries import AgendaItem, ItemKind
from integrations.ical.feed_writer import EventStatus, FeedEvent
from integrations.ical.uids import UID_DOMAIN
from scheduling.models.slot import Modality

_MODALITY = {
    Modality.OFFICE: "au cabinet",
    Modality.HOME_VISIT: "visite à domicile",
    Modality.VIDEO: "téléconsultation",
}
_CONSULTATION_STATE = {
    "booked": "",
    "honoured": " (honorée)",
    "no_show": " (patient absent)",
    "cancelled": "",
}
_TELE_STATE = {
    "booked": "",
    "started": " (en cours)",
    "completed": " (terminée)",
    "no_show": " (patient absent)",
    "cancelled": "",
}
_KIND_PATH = {
    ItemKind.CONSULTATION: "bookings",
    ItemKind.TELECONSULTATION: "teleconsultations",
    ItemKind.FREE_SLOT: "slots",
    ItemKind.POOL_SLOT: "slots",
}
_UID_KIND = {
    ItemKind.CONSULTATION: "booking",
    ItemKind.TELECONSULTATION: "teleconsultation",
    ItemKind.FREE_SLOT: "slot",
    ItemKind.POOL_SLOT: "pool-slot",
}


class _Summary(NamedTuple):
    """What an event's summary depends on: a handful of values repeated across a feed, so
    summaries are computed once per distinct one (bench/ical_feed.py)."""

    kind: ItemKind
    status: str
    modality: Modality | None
    act_code: str | None
    as_nurse: bool
    counterpart: str | None
    follow_up: bool
    patient_initials: str | None


def _who(item: _Summary) -> str:
    return f" – {item.patient_initials}" if item.patient_initials else ""


@lru_cache(maxsize=4096)
def _summary(item: _Summary) -> str:
    cancelled = "Annulé : " if item.status == "cancelled" else ""
    if item.kind is ItemKind.CONSULTATION:
        mode = _MODALITY[item.modality] if item.modality else "consultation"
        return (
            f"{cancelled}SNP – consultation réservée, {mode}{_who(item)}"
            f"{_CONSULTATION_STATE.get(item.status, '')}"
        )
    if item.kind is ItemKind.TELECONSULTATION:
        what = (
            "Suivi plaie – téléconsultation assistée"
            if item.follow_up
            else ("Téléconsultation assistée")
        )
        other = f"avec {item.counterpart}" if item.as_nurse else f"avec l'IDEL {item.counterpart}"
        return (
            f"{cancelled}{what} ({item.act_code}) {other}{_who(item)}"
            f"{_TELE_STATE.get(item.status, '')}"
        )
    if item.kind is ItemKind.FREE_SLOT:
        mode = _MODALITY[item.modality] if item.modality else ""
        return f"Créneau SNP libre, {mode}".rstrip(", ")
    state = {"free": "libre", "booked": "réservé"}.get(item.status, "retiré")
    mode = f", {_MODALITY[item.modality]}" if item.modality else ""
    return f"{cancelled}SNP {state} – {item.counterpart}{mode}"


# Plain ASCII on purpose: these lines are longer than 75 octets, and ASCII ones fold by slicing
# (bench/ical_feed.py: folding accented text byte by byte cost a third of the rendering); so
# they are worded in French that needs no accent ("plage", "visio"), never misspelt without it.
_DESCRIPTION = {
    ItemKind.CONSULTATION: "Dossier SNP dans l'application CPTS : ",
    ItemKind.TELECONSULTATION: "Lien de visio et dossier dans l'application CPTS : ",
    ItemKind.FREE_SLOT: "Plage du pool SNP de la CPTS : ",
    ItemKind.POOL_SLOT: "Plage du pool SNP de la CPTS : ",
}


def feed_events(items: Iterable[AgendaItem], app_url: str) -> Iterator[FeedEvent]:
    for item in items:
        kind, status, sid = item.kind, item.status, str(item.id)
        link = f"{app_url}/{_KIND_PATH[kind]}/{sid}"
        yield FeedEvent(
            uid=f"{_UID_KIND[kind]}-{sid}@{UID_DOMAIN}",
            start=item.starts_at,
            end=item.ends_at,
            stamp=item.changed_at,
            sequence=item.revision,
            status=EventStatus.CANCELLED if status == "cancelled" else EventStatus.CONFIRMED,
            summary=_summary(
                _Summary(
                    kind,
                    status,
                    item.modality,
                    item.act_code,
                    item.as_nurse,
                    item.counterpart,
                    item.follow_up,
                    item.patient_initials,
                )
            ),
            description=_DESCRIPTION[kind] + link,
            url=link,
            location=item.place,
            transparent=status in ("free", "cancelled"),
        )
