"""From the items of a professional's agenda (or the pool) to feed events, in French.

No patient identity: summaries say what the time is for ("SNP – consultation réservée"), and
link to the application, where reading the case is audited. With the owner's opt-in the
patient's initials are added, never more.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from coordination.calendar.entries import AgendaItem, ItemKind
from integrations.ical.feed_writer import EventStatus, FeedEvent
from scheduling.slot import Modality

UID_DOMAIN = "cpts-snp"  # stable across hosts and regenerations; busy import skips these

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


def uid_of(item: AgendaItem) -> str:
    return f"{_UID_KIND[item.kind]}-{item.id}@{UID_DOMAIN}"


def is_own_uid(uid: str) -> bool:
    return uid.endswith(f"@{UID_DOMAIN}")


def _who(item: AgendaItem) -> str:
    return f" – {item.patient_initials}" if item.patient_initials else ""


def _summary(item: AgendaItem) -> str:
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
        other = (
            f"avec Dr {item.counterpart}" if item.as_nurse else f"avec l'IDEL {item.counterpart}"
        )
        return (
            f"{cancelled}{what} ({item.act_code}) {other}{_who(item)}"
            f"{_TELE_STATE.get(item.status, '')}"
        )
    if item.kind is ItemKind.FREE_SLOT:
        mode = _MODALITY[item.modality] if item.modality else ""
        return f"Créneau SNP libre, {mode}".rstrip(", ")
    state = {"free": "libre", "booked": "réservé"}.get(item.status, "retiré")
    mode = f", {_MODALITY[item.modality]}" if item.modality else ""
    return f"{cancelled}SNP {state} – Dr {item.counterpart}{mode}"


def _description(item: AgendaItem, link: str) -> str:
    if item.kind is ItemKind.TELECONSULTATION:
        role = "Vous assistez le patient" if item.as_nurse else "L'IDEL assiste le patient"
        return f"{role} ; le lien vidéo et le dossier sont dans l'application CPTS : {link}"
    if item.kind is ItemKind.CONSULTATION:
        return f"Demande de soins non programmés ; détails dans l'application CPTS : {link}"
    return f"Créneau du pool SNP de la CPTS : {link}"


def _status(item: AgendaItem) -> EventStatus:
    return EventStatus.CANCELLED if item.status == "cancelled" else EventStatus.CONFIRMED


def feed_events(items: Iterable[AgendaItem], app_url: str) -> Iterator[FeedEvent]:
    for item in items:
        link = f"{app_url}/{_KIND_PATH[item.kind]}/{item.id}"
        free = item.status == "free"
        yield FeedEvent(
            uid=uid_of(item),
            start=item.starts_at,
            end=item.ends_at,
            stamp=item.changed_at,
            sequence=item.revision,
            status=_status(item),
            summary=_summary(item),
            description=_description(item, link),
            url=link,
            location=item.place,
            transparent=free or item.status == "cancelled",
        )
