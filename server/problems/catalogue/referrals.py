"""Codes of the referrals part of the house (coordination/referrals/): the wound network's
téléexpertise, its experts, the cases' photos and threads."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # the network's experts
    "expert_roster_staff_only": "Seule l'équipe de la CPTS gère les experts du réseau.",
    "expert_profession_mismatch": (
        "Seul un professionnel « {profession:profession} » peut être expert en "
        "{expertise:expertise}."
    ),
    "expert_capacity_min": "La capacité hebdomadaire est d'au moins une demande d'avis.",
    "expert_exists": "Ce professionnel fait déjà partie des experts du réseau.",
    "expert_not_found": "Cet expert est introuvable.",
    "expert_absence_not_allowed": (
        "Seuls l'expert lui-même et l'équipe de la CPTS gèrent ses absences."
    ),
    "expert_absence_not_found": "Cette absence est introuvable.",
    # the network's settings
    "referral_routine_days_range": ("Le délai de réponse habituel est de 1 à 30 jours ouvrés."),
    "referral_urgent_days_range": (
        "Le délai de réponse en urgence va de 0 jour ouvré au délai habituel."
    ),
    "referral_holiday_calendar_unknown": (
        "Ce calendrier local de jours fériés n'existe pas : choisissez parmi {subdivisions:list}."
    ),
    # asking for an opinion
    "referral_requester_role": (
        "Seuls les infirmiers et les médecins généralistes du territoire adressent une plaie "
        "au réseau."
    ),
    "referral_consent_required": (
        "Le consentement du patient à la téléexpertise est requis : recueillez-le d'abord."
    ),
    "referral_question_required": "Posez votre question aux experts.",
    "referral_board_staff_only": (
        "Le tableau de suivi des demandes d'avis est réservé à l'équipe de la CPTS."
    ),
    # the expert's work
    "referral_status_changed": (
        "Cette demande d'avis a changé d'état entre-temps : rechargez la page."
    ),
    "referral_expert_only": "Seuls les experts du réseau répondent aux demandes d'avis.",
    "referral_assigned_elsewhere": "Cette demande d'avis est confiée à un autre expert.",
    "referral_expertise_mismatch": "Cette demande d'avis demande un expert en {expertise:expertise}.",
    "referral_taken": "Un autre expert a déjà pris en charge cette demande d'avis.",
    "referral_own_answer": "Vous ne pouvez pas répondre à votre propre demande d'avis.",
    "referral_reject_assigned_only": (
        "Seul l'expert à qui la demande d'avis est confiée peut la décliner."
    ),
    "referral_reject_reason_required": "Indiquez pourquoi vous déclinez cette demande d'avis.",
    "referral_assigned_expert_only": (
        "Seul l'expert qui a accepté cette demande d'avis peut le faire."
    ),
    "referral_advice_required": "Rédigez votre avis avant d'envoyer la réponse.",
    "referral_cancel_requester_only": "Seul le demandeur peut annuler une demande d'avis.",
    "referral_reassign_staff_only": "Seule l'équipe de la CPTS réattribue les demandes d'avis.",
    "referral_expert_not_active": "Cet expert n'existe pas ou n'est plus actif dans le réseau.",
    "referral_requester_as_expert": (
        "Le demandeur ne peut pas répondre à sa propre demande d'avis : choisissez un autre expert."
    ),
    # the wound's assessments
    "referral_assessment_not_allowed": (
        "Seuls le demandeur et l'expert chargé de la demande enregistrent un bilan de la plaie."
    ),
    "referral_closed_no_assessment": (
        "Une demande d'avis {status:referral_status} ne reçoit plus de bilan de la plaie."
    ),
    "wound_bed_colours_sum": (
        "Les couleurs du lit de la plaie doivent faire 100 % au total (elles font {total} %)."
    ),
    "wound_body_site_required": "Indiquez la localisation de la plaie.",
    "wound_braden_required": "Indiquez le score de Braden de l'escarre.",
    "wound_braden_pressure_only": "Le score de Braden ne concerne que les escarres.",
    "wound_braden_subscales": (
        "Le score de Braden demande ses six sous-scores : perception sensorielle, humidité, "
        "activité, mobilité, nutrition, frottement et cisaillement."
    ),
    "wound_braden_subscale_range": "Ce sous-score de Braden va de 1 à {top}.",
    # the follow-up
    "referral_follow_up_booked": "Le suivi de cette demande d'avis est déjà réservé.",
    "referral_follow_up_not_asked": (
        "L'avis de l'expert ne demande pas de téléconsultation assistée."
    ),
    # the thread
    "referral_thread_not_allowed": (
        "Seuls le demandeur, l'expert chargé de la demande et l'équipe de la CPTS écrivent "
        "dans ce fil."
    ),
    "referral_message_too_long": "Un message compte {max} caractères au plus.",
    # the photos
    "referral_photo_not_allowed": (
        "Seuls le demandeur et l'expert chargé de la demande ajoutent des photos."
    ),
    "referral_closed_no_photo": (
        "Une demande d'avis {status:referral_status} ne reçoit plus de photo."
    ),
    "referral_photos_max": "Une demande d'avis compte {max} photos au plus.",
    "referral_photo_not_found": "Cette photo est introuvable.",
    "referral_photo_empty": "Le fichier est vide : joignez la photo.",
    "referral_photo_format": "Seules les photos JPEG, PNG et HEIC sont acceptées.",
    "referral_photo_unreadable": "Ce fichier n'est pas une image lisible.",
    "referral_photo_too_many_pixels": (
        "Cette image compte trop de pixels : envoyez une photo de taille normale."
    ),
}
