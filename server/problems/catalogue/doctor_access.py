"""Codes of the médecin-traitant waiting list (coordination/doctor_access/)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    "mt_staff_only": "La liste d'attente est tenue par la coordination de la CPTS.",
    "mt_territory_required": "Ce serveur accueille plusieurs CPTS : indiquez la vôtre.",
    "mt_source_public": "Le formulaire public enregistre les demandes des patients et de leurs proches.",
    "mt_contact_required": "Indiquez un téléphone ou une adresse e-mail pour être rappelé.",
    "mt_capacity_not_allowed": "Chaque médecin indique sa propre capacité (ou la coordination pour lui).",
    "mt_capacity_physician_only": "Seul un médecin peut devenir médecin traitant.",
    "mt_capacity_range": "Indiquez de 0 à 500 nouveaux patients pour le trimestre.",
    "mt_radius_range": "Le rayon va de 1 à 100 km.",
    "mt_ald_share_range": "La part de patients en ALD va de 0 à 100 %.",
    "mt_communes_unknown": "Ces communes ne sont pas sur le territoire : {unknown:list}.",
    "mt_entry_not_found": "Cette demande de médecin traitant est introuvable.",
    "mt_entry_changed": "Cette demande a changé entre-temps : rechargez la page.",
    "mt_proposals_count": "Proposez un à trois médecins (aucun n'a de place pour ce patient en ce moment).",
    "mt_gp_full": "Ces médecins n'ont plus de place ce trimestre.",
    "mt_already_proposed": "Un de ces médecins a déjà été proposé pour ce patient ce trimestre.",
    "mt_proposal_not_found": "Cette proposition est introuvable.",
    "mt_proposal_not_yours": "Seul le médecin proposé répond à cette proposition.",
    "mt_proposal_answered": "Cette proposition a reçu une réponse entre-temps : rechargez la page.",
    "mt_taken": "Un autre médecin a déjà pris ce patient.",
    "mt_declaration_not_allowed": "La déclaration est enregistrée par le médecin qui a accepté ou par la coordination.",
    "mt_declared_on_range": "La déclaration est datée entre l'acceptation et aujourd'hui.",
    "mt_not_accepted": "Seule une demande acceptée par un médecin peut être déclarée.",
    "mt_capacity_reached": "Votre capacité du trimestre est atteinte : augmentez-la pour prendre ce patient.",
    "mt_not_closable": "Une demande déclarée ou déjà close ne peut pas être close.",
    "mt_received_public": "Une demande du formulaire public est reçue à son envoi.",
    "mt_received_on_range": "La demande a été reçue dans les {days} derniers jours, pas dans le futur.",
    "mt_gp_only": "Les propositions sont adressées aux médecins généralistes.",
}
