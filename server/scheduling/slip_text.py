"""The booking slip by e-mail: the same facts as the printed slip (coordination/appointments),
in plain French text, for the patient."""

from __future__ import annotations

from coordination.appointments.slip import Practice, Slip
from coordination.directory.phones import spoken
from integrations.notify import Notice
from scheduling.models.slot import Modality
from server.web.templating import local_time, long_date

_HOW = {
    Modality.OFFICE: "au cabinet",
    Modality.HOME_VISIT: "à votre domicile",
    Modality.VIDEO: "en vidéo (le cabinet vous donnera le lien)",
}


def _when(slip: Slip) -> str:
    return (
        f"{long_date(slip.starts_at, slip.timezone)} à {local_time(slip.starts_at, slip.timezone)}"
    )


def practice_lines(practice: Practice) -> list[str]:
    """Where the appointment is and the practice's phone."""
    lines = []
    if practice.address:
        where = ", ".join(p for p in (practice.place, practice.address) if p)
        lines.append(f"Adresse : {where}, {practice.postal_code} {practice.commune}")
    if practice.phone:
        lines.append(f"Téléphone du cabinet : {spoken(practice.phone)}")
    return lines


def slip_lines(slip: Slip) -> list[str]:
    """The slip's lines, as the e-mail says them (and the page shows them)."""
    when = _when(slip)
    lines = [
        f"Rendez-vous de {slip.patient_name}",
        f"Le {when}, avec {slip.practice.professional_name}, {_HOW[slip.practice.modality]}.",
    ]
    lines += practice_lines(slip.practice)
    lines.append("Apportez votre carte Vitale, vos ordonnances en cours et vos derniers examens.")
    change = "Pour annuler ou déplacer ce rendez-vous, appelez le cabinet"
    if slip.cpts_phone:
        change += f" ou la {slip.cpts_name} au {spoken(slip.cpts_phone)}"
    lines.append(change + ".")
    return lines


def slip_notice(slip: Slip, to: str) -> Notice:
    when = _when(slip)
    body = "Bonjour,\n\n" + "\n".join(slip_lines(slip)) + f"\n\n{slip.cpts_name}\n"
    return Notice(
        to=to,
        subject=f"Votre rendez-vous du {when}",
        body=body,
        kind="booking.slip",
    )
