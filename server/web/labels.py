"""The French words the pages show for the domain's values, in one place.

One dictionary per way of saying a value: a form's options say more ("Régulation SAS (centre
15)") than a table's cell ("Régulation SAS") or a week's card ("régulation SAS"); `_SHORT`
names the wording of tables and cards where a fuller one exists.
"""

from __future__ import annotations

from coordination.calendar.feed import FeedScope
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import EntryStatus, Source
from coordination.doctor_access.service import CloseReason
from coordination.referrals.assessment import Exudate, InfectionSign, WoundType
from coordination.referrals.models.expert import Expertise
from coordination.referrals.models.referral import FollowUp, Priority, ReferralStatus
from coordination.referrals.network_settings import Routing
from kernel.actor import Role
from scheduling.models.booking import BookingStatus
from scheduling.models.slot import Modality, Visibility
from scheduling.models.snp_request import Origin, Outcome, Urgency
from scheduling.models.teleconsultation import (
    Setting,
    TeleconsultationOutcome,
    TeleconsultationStatus,
)
from scheduling.patient import Sex

# --- patients ---------------------------------------------------------------------------------

SEXES = {Sex.FEMALE: "Femme", Sex.MALE: "Homme", Sex.OTHER: "Autre", Sex.UNKNOWN: "Non précisé"}

# --- slots and bookings -----------------------------------------------------------------------

MODALITIES = {
    Modality.OFFICE: "Au cabinet",
    Modality.HOME_VISIT: "Visite à domicile",
    Modality.VIDEO: "Téléconsultation",
}
MODALITIES_SHORT = {
    Modality.OFFICE: "cabinet",
    Modality.HOME_VISIT: "visite à domicile",
    Modality.VIDEO: "vidéo",
}
VISIBILITIES = {
    Visibility.SNP: "régulation SAS / SNP",
    Visibility.PRO: "professionnels de santé",
    Visibility.CPTS: "CPTS",
    Visibility.PUBLIC: "grand public",
}
VISIBILITIES_SHORT = {
    Visibility.SNP: "SNP (SAS)",
    Visibility.PRO: "pros de santé",
    Visibility.CPTS: "CPTS",
    Visibility.PUBLIC: "grand public",
}
BOOKING_STATUSES = {
    BookingStatus.BOOKED: "rendez-vous pris",
    BookingStatus.HONOURED: "consultation honorée",
    BookingStatus.NO_SHOW: "patient absent",
    BookingStatus.CANCELLED: "rendez-vous annulé",
}
BOOKING_STATUSES_SHORT = {
    BookingStatus.BOOKED: "réservé",
    BookingStatus.HONOURED: "honoré",
    BookingStatus.NO_SHOW: "absent (lapin)",
    BookingStatus.CANCELLED: "réservation annulée",
}

# --- SNP requests -----------------------------------------------------------------------------

ORIGINS = {
    Origin.SAS_REGULATOR: "Régulation SAS (centre 15)",
    Origin.PHARMACIST: "Pharmacien",
    Origin.NURSE: "Infirmier ou infirmière",
    Origin.OTHER_PROFESSIONAL: "Autre professionnel de santé",
    Origin.CPTS_LINE: "Ligne téléphonique de la CPTS",
    Origin.PATIENT: "Le patient lui-même",
}
ORIGINS_SHORT = {
    Origin.SAS_REGULATOR: "Régulation SAS",
    Origin.PHARMACIST: "Pharmacien",
    Origin.NURSE: "Infirmier",
    Origin.OTHER_PROFESSIONAL: "Autre professionnel",
    Origin.CPTS_LINE: "Ligne de la CPTS",
    Origin.PATIENT: "Patient",
}
# The channel a booking came through, on a GP's week.
CHANNELS = {
    Origin.SAS_REGULATOR: "régulation SAS",
    Origin.PHARMACIST: "pharmacie",
    Origin.NURSE: "infirmier(e)",
    Origin.OTHER_PROFESSIONAL: "autre professionnel",
    Origin.CPTS_LINE: "ligne de la CPTS",
    Origin.PATIENT: "patient (en ligne)",
}
URGENCIES = {
    Urgency.WITHIN_24H: "Sous 24 h",
    Urgency.WITHIN_48H: "Sous 48 h",
    Urgency.NON_URGENT: "Non urgente",
}
URGENCIES_SHORT = {
    Urgency.WITHIN_24H: "sous 24 h",
    Urgency.WITHIN_48H: "sous 48 h",
    Urgency.NON_URGENT: "non urgent",
}
OUTCOMES = {
    Outcome.BOOKED: "Réservée",
    Outcome.REDIRECTED_EMERGENCY: "Réorientée vers les urgences",
    Outcome.REDIRECTED_PDSA: "Réorientée vers la permanence des soins (PDSA)",
    Outcome.REDIRECTED_OWN_GP: "Réorientée vers le médecin traitant",
    Outcome.UNMET: "Non satisfaite",
    Outcome.CANCELLED: "Annulée",
}
CLOSING_OUTCOMES = {k: v for k, v in OUTCOMES.items() if k is not Outcome.BOOKED}
OUTCOMES_SHORT = {
    Outcome.BOOKED: "rendez-vous pris",
    Outcome.REDIRECTED_EMERGENCY: "orienté vers les urgences",
    Outcome.REDIRECTED_PDSA: "orienté vers la PDSA",
    Outcome.REDIRECTED_OWN_GP: "orienté vers son médecin traitant",
    Outcome.UNMET: "non satisfaite",
    Outcome.CANCELLED: "annulée",
}

# --- assisted teleconsultations ---------------------------------------------------------------

TELECONSULTATION_STATUSES = {
    TeleconsultationStatus.BOOKED: "programmée",
    TeleconsultationStatus.STARTED: "en cours",
    TeleconsultationStatus.COMPLETED: "terminée",
    TeleconsultationStatus.CANCELLED: "annulée",
    TeleconsultationStatus.NO_SHOW: "absence",
}
SETTINGS = {
    Setting.HOME: "Au domicile du patient, organisée pour la téléconsultation",
    Setting.DEDICATED_PLACE: "Dans un lieu dédié à la téléconsultation",
    Setting.NURSING_VISIT: "Pendant un soin infirmier déjà prévu",
}
TELECONSULTATION_OUTCOMES = {
    TeleconsultationOutcome.ADVICE: "Conseil donné",
    TeleconsultationOutcome.PRESCRIPTION_SENT: "Ordonnance envoyée",
    TeleconsultationOutcome.IN_PERSON_VISIT_NEEDED: "Consultation en présentiel nécessaire",
    TeleconsultationOutcome.WOUND_NETWORK_REFERRAL: "Orientation vers le réseau plaies",
}

# --- wound referrals --------------------------------------------------------------------------

REFERRAL_STATUSES = {
    ReferralStatus.REQUESTED: "Demandée",
    ReferralStatus.ACCEPTED: "Prise en charge",
    ReferralStatus.REJECTED: "Déclinée",
    ReferralStatus.IN_PROGRESS: "En cours",
    ReferralStatus.COMPLETED: "Répondue",
    ReferralStatus.CANCELLED: "Annulée",
}
# The open ones, on the coordination's boards.
REFERRAL_STATUSES_SHORT = {
    ReferralStatus.REQUESTED: "demandée",
    ReferralStatus.ACCEPTED: "acceptée",
    ReferralStatus.IN_PROGRESS: "en cours",
}
PRIORITIES = {Priority.ROUTINE: "Routine", Priority.URGENT: "Urgente"}
EXPERTISES = {
    Expertise.VASCULAR: "Angiologie",
    Expertise.DERMATOLOGY: "Dermatologie",
    Expertise.WOUND_NURSE: "IDE experte plaies",
}
EXPERTISES_SHORT = {
    Expertise.VASCULAR: "angiologie",
    Expertise.DERMATOLOGY: "dermatologie",
    Expertise.WOUND_NURSE: "IDE plaies",
}
WOUND_TYPES = {
    WoundType.VENOUS_ULCER: "Ulcère veineux",
    WoundType.ARTERIAL_ULCER: "Ulcère artériel",
    WoundType.MIXED_ULCER: "Ulcère mixte",
    WoundType.PRESSURE_ULCER: "Escarre",
    WoundType.DIABETIC_FOOT: "Plaie du pied diabétique",
    WoundType.POST_SURGICAL: "Plaie post-opératoire",
    WoundType.OTHER: "Autre plaie",
}
EXUDATES = {
    Exudate.NONE: "Aucun",
    Exudate.LOW: "Faible",
    Exudate.MODERATE: "Modéré",
    Exudate.HIGH: "Abondant",
}
INFECTION_SIGNS = {
    InfectionSign.ERYTHEMA: "Érythème",
    InfectionSign.WARMTH: "Chaleur locale",
    InfectionSign.SWELLING: "Œdème",
    InfectionSign.PAIN_INCREASE: "Douleur en augmentation",
    InfectionSign.PURULENT_DISCHARGE: "Écoulement purulent",
    InfectionSign.ODOUR: "Odeur",
    InfectionSign.FEVER: "Fièvre",
    InfectionSign.DELAYED_HEALING: "Retard de cicatrisation",
}
WOUND_BEDS = {
    "black": "Noir (nécrose)",
    "yellow": "Jaune (fibrine)",
    "red": "Rouge (bourgeonnement)",
    "pink": "Rose (épidermisation)",
}
BRADEN_ITEMS = {
    "sensory_perception": "Perception sensorielle",
    "moisture": "Humidité",
    "activity": "Activité",
    "mobility": "Mobilité",
    "nutrition": "Nutrition",
    "friction_shear": "Friction et cisaillement",
}
BRADEN_RISKS = {
    "very_high": "risque très élevé",
    "high": "risque élevé",
    "moderate": "risque modéré",
    "mild": "risque faible",
    "none": "pas de risque",
}
FOLLOW_UPS = {
    FollowUp.NONE: "Pas de suivi particulier",
    FollowUp.ASSISTED_TELECONSULTATION: "Téléconsultation assistée",
    FollowUp.OFFICE_VISIT: "Consultation au cabinet",
    FollowUp.HOSPITAL: "Orientation hospitalière",
}
ROUTINGS = {
    Routing.LEAST_LOADED: "à l'expert le moins chargé",
    Routing.OPEN_QUEUE: "file ouverte (les experts se saisissent des demandes)",
}

# --- the directory and accounts ---------------------------------------------------------------

PROFESSIONS = {
    Profession.PHYSICIAN: "Médecin",
    Profession.NURSE: "Infirmier·e",
    Profession.PHARMACIST: "Pharmacien·ne",
    Profession.PHYSIOTHERAPIST: "Masseur-kinésithérapeute",
    Profession.MIDWIFE: "Sage-femme",
    Profession.DENTIST: "Chirurgien-dentiste",
    Profession.OTHER: "Autre",
}
MEMBERSHIPS = {
    Membership.MEMBER: "adhérent",
    Membership.PARTNER: "partenaire",
    Membership.NONE: "non adhérent",
}
ROLES = {
    Role.GP: "médecin généraliste",
    Role.NURSE: "infirmier·e",
    Role.EXPERT: "expert plaies",
    Role.PHARMACIST: "pharmacien·ne",
    Role.REGULATOR: "régulation",
    Role.COORDINATOR: "coordination",
    Role.ADMIN: "administration",
    Role.SAS_PLATFORM: "plateforme SAS",
    Role.OPERATOR: "opérateur de la plateforme",
}
# The directory's specialty codes of the CPTS's own; an imported specialty is the national
# directory's French label already, shown as it is.
SPECIALTIES = {
    "general_practice": "médecine générale",
    "vascular_medicine": "médecine vasculaire",
    "dermatology": "dermatologie",
    "wound_care_nurse": "infirmier·e plaies et cicatrisation",
}


def specialty(code: str | None) -> str:
    return SPECIALTIES.get(code or "", code or "")


FEED_SCOPES = {
    FeedScope.PROFESSIONAL: "mon agenda (consultations, téléconsultations, suivis)",
    FeedScope.POOL: "les créneaux de la CPTS (sans patient)",
}
# Which way an indicator's target points, in the contract.
DIRECTIONS = {"at_least": "au moins", "at_most": "au plus"}


# --- the médecin-traitant waiting list --------------------------------------------------------

FRAGILITIES = {
    Fragility.ALD: "Affection de longue durée (ALD)",
    Fragility.OVER_70: "70 ans ou plus",
    Fragility.C2S: "Complémentaire santé solidaire (C2S)",
    Fragility.DISABILITY: "Situation de handicap",
    Fragility.ISOLATION: "Isolement",
    Fragility.PREGNANCY: "Grossesse",
    Fragility.CHILD_UNDER_16: "Enfant de moins de 16 ans",
}
FRAGILITIES_SHORT = {
    Fragility.ALD: "ALD",
    Fragility.OVER_70: "70 ans et +",
    Fragility.C2S: "C2S",
    Fragility.DISABILITY: "handicap",
    Fragility.ISOLATION: "isolement",
    Fragility.PREGNANCY: "grossesse",
    Fragility.CHILD_UNDER_16: "enfant",
}
ENTRY_STATUSES = {
    EntryStatus.WAITING: "en attente",
    EntryStatus.PROPOSED: "médecins sollicités",
    EntryStatus.ACCEPTED: "acceptée : déclaration attendue",
    EntryStatus.DECLARED: "médecin traitant déclaré",
    EntryStatus.CLOSED: "close",
}
CLOSE_REASONS = {
    CloseReason.DUPLICATE: "doublon (l'autre demande continue)",
    CloseReason.FOUND_ELSEWHERE: "médecin traitant trouvé par ailleurs",
    CloseReason.WITHDRAWN: "le patient ne demande plus",
    CloseReason.MOVED_AWAY: "a quitté le territoire",
    CloseReason.UNREACHABLE: "injoignable",
}
SOURCES = {
    Source.PUBLIC: "formulaire public",
    Source.CARER: "aidant",
    Source.PROFESSIONAL: "professionnel de santé",
    Source.CPAM: "CPAM",
    Source.DAC: "DAC",
}
