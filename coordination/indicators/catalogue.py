"""What each indicator is: its label and definition as the coordinator reads them (French),
its unit and the ACI mission it serves. One table, so the API, the exports and the
dashboard say the same thing."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Mission(enum.StrEnum):
    ACCESS = "access"  # accès aux soins: médecin traitant et soins non programmés
    PATHWAYS = "pathways"  # parcours pluriprofessionnels
    PREVENTION = "prevention"
    CRISIS = "crisis"
    QUALITY = "quality"
    SUPPORT = "support"


MISSION_LABELS = {
    Mission.ACCESS: "Accès aux soins",
    Mission.PATHWAYS: "Parcours pluriprofessionnels",
    Mission.PREVENTION: "Prévention",
    Mission.CRISIS: "Crises sanitaires graves",
    Mission.QUALITY: "Qualité et pertinence des soins",
    Mission.SUPPORT: "Accompagnement des professionnels",
}


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    label: str
    unit: str  # count, hours, percent, euros
    definition: str
    mission: Mission


def _d(key: str, label: str, unit: str, definition: str, mission: Mission) -> Definition:
    return Definition(key, label, unit, definition, mission)


A, P = Mission.ACCESS, Mission.PATHWAYS
DEFINITIONS: tuple[Definition, ...] = (
    _d(
        "snp.slots_offered",
        "Créneaux SNP proposés",
        "count",
        "Créneaux des médecins généralistes débutant dans la période, hors créneaux retirés ou bloqués.",
        A,
    ),
    _d(
        "snp.slot_hours_offered",
        "Heures de créneaux SNP proposées",
        "hours",
        "Durée totale des créneaux SNP proposés.",
        A,
    ),
    _d(
        "snp.participating_gps",
        "Médecins généralistes participants",
        "count",
        "Médecins généralistes ayant proposé au moins un créneau SNP dans la période.",
        A,
    ),
    _d(
        "snp.gps_meeting_2h_rule",
        "Médecins à 2 h par semaine ou plus",
        "count",
        "Médecins généralistes dont l'agenda partagé atteint en moyenne 2 heures par semaine sur la période (critère SAS du forfait structure).",
        A,
    ),
    _d(
        "snp.requests_received",
        "Demandes de soins non programmés reçues",
        "count",
        "Demandes enregistrées dont la réception tombe dans la période, quelle qu'en soit l'issue.",
        A,
    ),
    _d(
        "snp.requests_met",
        "Demandes satisfaites",
        "count",
        "Demandes reçues dans la période qui ont abouti à un rendez-vous.",
        A,
    ),
    _d(
        "snp.requests_met_within_24h",
        "Demandes satisfaites sous 24 h",
        "count",
        "Demandes reçues dans la période dont la consultation commence au plus 24 h après la réception.",
        A,
    ),
    _d(
        "snp.requests_met_within_24h_share",
        "Part des demandes satisfaites sous 24 h",
        "percent",
        "Demandes satisfaites sous 24 h rapportées aux demandes reçues.",
        A,
    ),
    _d(
        "snp.requests_met_within_48h",
        "Demandes satisfaites sous 48 h",
        "count",
        "Demandes reçues dans la période dont la consultation commence au plus 48 h après la réception.",
        A,
    ),
    _d(
        "snp.requests_met_within_48h_share",
        "Part des demandes satisfaites sous 48 h",
        "percent",
        "Demandes satisfaites sous 48 h rapportées aux demandes reçues.",
        A,
    ),
    _d(
        "snp.requests_unmet",
        "Demandes non satisfaites",
        "count",
        "Demandes reçues dans la période closes sans solution.",
        A,
    ),
    _d(
        "snp.requests_redirected",
        "Demandes réorientées",
        "count",
        "Demandes reçues dans la période réorientées (urgences, PDSA, médecin traitant).",
        A,
    ),
    _d(
        "snp.delay_median_hours",
        "Délai médian demande → consultation",
        "hours",
        "Médiane, sur les demandes satisfaites, du temps entre la réception et le début de la consultation.",
        A,
    ),
    _d(
        "snp.delay_p90_hours",
        "Délai au 90e centile demande → consultation",
        "hours",
        "90e centile (rang le plus proche) du même délai.",
        A,
    ),
    _d(
        "snp.bookings_honoured",
        "Rendez-vous honorés",
        "count",
        "Rendez-vous SNP dont la consultation tombe dans la période, marqués honorés.",
        A,
    ),
    _d(
        "snp.bookings_no_show",
        "Rendez-vous non honorés",
        "count",
        "Rendez-vous SNP de la période où le patient ne s'est pas présenté.",
        A,
    ),
    _d(
        "snp.bookings_cancelled",
        "Rendez-vous annulés",
        "count",
        "Rendez-vous SNP de la période annulés.",
        A,
    ),
    _d(
        "snp.sas_consultations",
        "Consultations régulées par le SAS",
        "count",
        "Rendez-vous pris par un régulateur SAS pour un patient qui n'est pas celui du médecin, non annulés.",
        A,
    ),
    _d(
        "snp.sas_max_per_gp_week",
        "Maximum de consultations SAS d'un médecin en une semaine",
        "count",
        "Plus grand nombre de consultations régulées SAS d'un même médecin dans une semaine (majoration plafonnée à 20).",
        A,
    ),
    _d(
        "snp.sas_gp_weeks_over_cap",
        "Semaines-médecin au-delà de 20 consultations SAS",
        "count",
        "Nombre de couples médecin-semaine dépassant le plafond de 20 majorations SNP.",
        A,
    ),
    _d(
        "tele.booked",
        "Téléconsultations assistées programmées",
        "count",
        "Téléconsultations assistées par une IDEL dont l'horaire tombe dans la période, hors annulées.",
        P,
    ),
    _d(
        "tele.tld",
        "Actes TLD (domicile)",
        "count",
        "Téléconsultations assistées à domicile (TLD).",
        P,
    ),
    _d(
        "tele.tll",
        "Actes TLL (lieu dédié)",
        "count",
        "Téléconsultations assistées dans un lieu dédié (TLL).",
        P,
    ),
    _d(
        "tele.tls",
        "Actes TLS (soin programmé)",
        "count",
        "Téléconsultations assistées pendant un soin infirmier déjà prévu (TLS).",
        P,
    ),
    _d(
        "tele.completed",
        "Téléconsultations assistées réalisées",
        "count",
        "Téléconsultations assistées de la période terminées par le médecin.",
        P,
    ),
    _d(
        "tele.no_show",
        "Téléconsultations assistées non honorées",
        "count",
        "Téléconsultations assistées de la période marquées patient absent.",
        P,
    ),
    _d(
        "referrals.received",
        "Demandes d'avis plaies reçues",
        "count",
        "Demandes de téléexpertise du réseau plaies créées dans la période.",
        P,
    ),
    _d(
        "referrals.answered",
        "Demandes d'avis plaies répondues",
        "count",
        "Demandes créées dans la période auxquelles un expert a répondu.",
        P,
    ),
    _d(
        "referrals.answered_within_deadline",
        "Avis rendus dans le délai",
        "count",
        "Demandes créées dans la période répondues avant leur échéance (jours ouvrés).",
        P,
    ),
    _d(
        "referrals.answered_within_deadline_share",
        "Part des avis rendus dans le délai",
        "percent",
        "Avis rendus dans le délai rapportés aux demandes reçues.",
        P,
    ),
    _d(
        "referrals.median_response_hours",
        "Délai médian de réponse des experts",
        "hours",
        "Médiane du temps entre la demande et la réponse de l'expert.",
        P,
    ),
    _d(
        "referrals.follow_up_teleconsultations",
        "Téléconsultations de suivi plaies",
        "count",
        "Demandes créées dans la période dont la réponse a donné lieu à une téléconsultation assistée programmée.",
        P,
    ),
    _d(
        "mt.entries_received",
        "Demandes de médecin traitant reçues",
        "count",
        "Patients inscrits sur la liste d'attente dans la période (doublons écartés), par origine.",
        A,
    ),
    _d(
        "mt.answered_within_30_days",
        "Demandes de médecin traitant satisfaites sous 30 jours",
        "count",
        "Demandes reçues dans la période pour lesquelles un médecin a accepté le patient dans les 30 jours.",
        A,
    ),
    _d(
        "mt.answered_within_60_days",
        "Demandes de médecin traitant satisfaites sous 60 jours",
        "count",
        "Demandes reçues dans la période pour lesquelles un médecin a accepté le patient dans les 60 jours.",
        A,
    ),
    _d(
        "mt.answered_within_90_days",
        "Demandes de médecin traitant satisfaites sous 90 jours",
        "count",
        "Demandes reçues dans la période pour lesquelles un médecin a accepté le patient dans les 90 jours.",
        A,
    ),
    _d(
        "mt.answered_within_90_days_share",
        "Part des demandes de médecin traitant satisfaites sous 90 jours",
        "percent",
        "Demandes satisfaites sous 90 jours rapportées aux demandes reçues dans la période.",
        A,
    ),
    _d(
        "mt.patients_declared",
        "Patients ayant déclaré un médecin traitant",
        "count",
        "Patients de la liste d'attente dont la déclaration de médecin traitant est datée de la période, par médecin.",
        A,
    ),
    _d(
        "mt.patients_declared_ald",
        "dont patients en ALD",
        "count",
        "Patients en affection de longue durée ayant déclaré un médecin traitant dans la période.",
        A,
    ),
    _d(
        "mt.patients_declared_over_70",
        "dont patients de 70 ans et plus",
        "count",
        "Patients de 70 ans et plus ayant déclaré un médecin traitant dans la période.",
        A,
    ),
    _d(
        "mt.patients_declared_c2s",
        "dont bénéficiaires de la C2S",
        "count",
        "Bénéficiaires de la complémentaire santé solidaire ayant déclaré un médecin traitant dans la période.",
        A,
    ),
    _d(
        "mt.volunteering_gps",
        "Médecins volontaires pour de nouveaux patients",
        "count",
        "Médecins ayant déclaré une capacité d'accueil de nouveaux patients sur un trimestre de la période.",
        A,
    ),
    _d(
        "directory.members",
        "Adhérents de la CPTS",
        "count",
        "Professionnels du répertoire adhérents de l'association (à la date du jour).",
        Mission.SUPPORT,
    ),
)
BY_KEY = {d.key: d for d in DEFINITIONS}
