"""The French text of teleconsultation notices: reminders to the GP and the nurse, the room
link to the patient. Reminders carry no patient identity and no room link (mail is not a
secure channel): they point to the application, where the visit opens."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from coordination.directory.lookup import Contact
from integrations.notify import Notice
from scheduling.models.teleconsultation import Teleconsultation


def _local(at: datetime, timezone: str) -> str:
    local = at.astimezone(ZoneInfo(timezone))
    return local.strftime("%d/%m/%Y à %Hh%M")


def reminders(
    tc: Teleconsultation,
    contacts: dict[uuid.UUID, Contact],
    timezone: str,
    public_url: str,
) -> list[Notice]:
    gp = contacts.get(tc.gp_professional_id)
    nurse = contacts.get(tc.nurse_professional_id)
    when = _local(tc.starts_at, timezone)
    link = f"{public_url}/teleconsultations/{tc.id}"
    notices: list[Notice] = []
    for me, other, role in ((gp, nurse, "l'infirmier·e"), (nurse, gp, "le médecin")):
        if me is None:
            continue
        other_name = other.name if other else "votre confrère"
        body = (
            f"Bonjour {me.name},\n\n"
            f"Téléconsultation assistée ({tc.act_code.value}) le {when}, "
            f"avec {role} {other_name}.\n"
            f"Ouvrez-la depuis l'application de la CPTS : {link}\n"
        )
        notices.extend(
            Notice(
                to=address,
                subject=f"Rappel : téléconsultation assistée le {when}",
                body=body,
                kind="teleconsultation.reminder",
            )
            for address in me.emails
        )
    return notices


def patient_link(tc: Teleconsultation, to: str, gp: Contact | None, timezone: str) -> Notice:
    when = _local(tc.starts_at, timezone)
    doctor = f"le Dr {gp.name}" if gp else "votre médecin"
    return Notice(
        to=to,
        subject=f"Votre téléconsultation du {when}",
        body=(
            "Bonjour,\n\n"
            f"Votre infirmier·e a organisé une téléconsultation avec {doctor} le {when}.\n"
            f"Elle se tiendra par vidéo à cette adresse : {tc.video_url}\n\n"
            "Ce lien vous est personnel : ne le transférez pas.\n"
        ),
        kind="teleconsultation.patient_link",
    )
