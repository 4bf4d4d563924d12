"""The French text of the waiting list's reminders to GPs: how many proposals wait for an
answer, how many declarations are still to record. No patient is named (mail is not a secure
channel): the e-mail points to the GP's page, where the patients are."""

from __future__ import annotations

from collections import Counter

from coordination.directory.lookup import Contact
from coordination.doctor_access.reminders import (
    ANSWER_REMINDER_AFTER,
    DECLARATION_REMINDER_AFTER,
    ReminderKind,
)
from integrations.notify import Notice


def _patients(n: int) -> str:
    return f"{n} patient{'s' if n > 1 else ''}"


def reminder(contact: Contact, due: Counter[ReminderKind], public_url: str) -> list[Notice]:
    """One e-mail to each address of the GP, for everything due for them in this run."""
    lines = []
    if answers := due[ReminderKind.ANSWER]:
        lines.append(
            f"- {_patients(answers)} sans médecin traitant vous "
            f"{'ont' if answers > 1 else 'a'} été proposé{'s' if answers > 1 else ''} "
            f"il y a plus de {ANSWER_REMINDER_AFTER.days} jours et "
            f"attend{'ent' if answers > 1 else ''} votre réponse (accepter ou décliner)."
        )
    if declarations := due[ReminderKind.DECLARATION]:
        lines.append(
            f"- {_patients(declarations)} accepté{'s' if declarations > 1 else ''} il y a plus "
            f"de {DECLARATION_REMINDER_AFTER.days} jours : la déclaration de médecin traitant "
            "reste à enregistrer une fois faite."
        )
    if not lines:
        return []
    body = (
        f"Bonjour {contact.name},\n\n"
        + "\n".join(lines)
        + f"\n\nRépondez depuis l'application de la CPTS : {public_url}/medecin-traitant\n"
    )
    return [
        Notice(
            to=address,
            subject="Rappel : patients en recherche de médecin traitant",
            body=body,
            kind="mt_entry.reminder",
        )
        for address in contact.emails
    ]
