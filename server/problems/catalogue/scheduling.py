"""Codes of the scheduling context (scheduling/): slots, rules, requests, holds, bookings,
teleconsultations, busy calendars, patients; and the range of instants (kernel/instants.py)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # instants
    "instant_out_of_range": "La date doit se situer entre 2000 et 2100.",
    # agendas and slots
    "agenda_rights_required": (
        "Seuls le professionnel et l'équipe de la CPTS peuvent modifier cet agenda."
    ),
    "slot_too_short": "Un créneau dure au moins 5 minutes et finit après son début.",
    "slot_too_long": "Un créneau dure 12 heures au plus.",
    "slot_visibility_required": (
        "Choisissez au moins une visibilité : grand public, professionnels de santé,"
        " régulation SAS / SNP ou CPTS."
    ),
    "slot_assisted_needs_video": (
        "Seul un créneau en vidéo peut accueillir une téléconsultation assistée."
    ),
    "slot_location_required": "Un créneau au cabinet a besoin de son lieu d'exercice : choisissez-le.",
    "slot_in_past": "Ce créneau est déjà passé : il doit finir dans le futur.",
    "booking_reschedule_not_allowed": "Seuls la personne qui a pris le rendez-vous et l'équipe de la CPTS le déplacent.",
    "booking_reschedule_not_booked": (
        "Ce rendez-vous n'est plus actif ({status:booking_status}) : il ne se déplace pas."
    ),
    "booking_reschedule_started": "La consultation a commencé : elle ne se déplace plus.",
    "booking_reschedule_same_slot": "Choisissez un autre créneau que celui du rendez-vous.",
    "slot_move_past": "Un créneau se déplace vers une heure à venir.",
    "slot_not_movable": "Seul un créneau libre à venir se déplace : celui-ci a changé entre-temps, rechargez.",
    "closed_period_max": "Une période fermée couvre {days} jours au plus.",
    "closed_period_too_many": "Cette période compte trop de créneaux (plus de {max}) : fermez-en une plus courte.",
    "slot_overlap": "Ce créneau chevauche un autre créneau ouvert du professionnel.",
    "slot_not_withdrawable": "Ce créneau est {status:slot_status} : il ne peut pas être retiré.",
    "slot_taken": "Ce créneau vient d'être pris : choisissez-en un autre.",
    "slot_shares_too_many": "Un créneau se propose à {limit} autres CPTS au plus.",
    "slot_share_not_member": (
        "Un créneau ne se propose qu'aux autres CPTS dont son professionnel est membre."
    ),
    "slot_not_shareable": "Un créneau fermé ou passé ne se propose plus au SAS.",
    # availability rules
    "rrule_invalid": "Cette récurrence n'est pas valide.",
    "rrule_forbidden_part": "La récurrence ne peut pas fixer de fin, de début ni d'heures : utilisez les champs du formulaire.",
    "rrule_frequency": "La récurrence est quotidienne, hebdomadaire, mensuelle ou annuelle.",
    "rule_slot_minutes_range": "Un créneau dure de 5 à 240 minutes.",
    "rule_window_too_short": "La plage horaire est plus courte qu'un créneau.",
    "rule_window_remainder": (
        "La plage de {window_minutes} minutes ne se découpe pas en créneaux de {slot_minutes}"
        " minutes : les {left_minutes} dernières minutes seraient perdues."
    ),
    "rule_until_before_start": "La date de fin ne peut pas précéder la date de début.",
    "rule_span_max": "Une disponibilité couvre trois ans au plus : renouvelez-la ensuite.",
    "rule_adds_nothing": "Ces créneaux sont déjà tous publiés : cette disponibilité n'ajoute rien.",
    "rule_not_found": "Cette disponibilité est introuvable.",
    "rule_end_in_past": "Une disponibilité ne peut pas prendre fin dans le passé.",
    # requests and patients
    "request_received_future": "La demande ne peut pas être datée dans le futur.",
    "request_received_too_old": "La demande ne peut pas dater de plus de {days} jours.",
    "request_booked_by_booking": (
        "Une demande passe à « rendez-vous pris » quand un créneau est réservé pour elle."
    ),
    "request_closed_meanwhile": "Cette demande a été close entre-temps : rechargez la page.",
    "patient_birth_date_implausible": "Cette date de naissance n'est pas plausible.",
    # holds
    "hold_limit": (
        "Vous retenez déjà {held} créneaux (au plus {limit}) : réservez ou relâchez-en un d'abord."
    ),
    "holds_staff_only": "Seule l'équipe de la CPTS voit les créneaux retenus du territoire.",
    "hold_limit_admin_only": (
        "Seul un administrateur fixe le nombre de créneaux qu'un compte peut retenir."
    ),
    "hold_limit_range": "Un compte peut retenir de 1 à 50 créneaux à la fois.",
    # bookings
    "booking_patient_required": "Indiquez le patient, ou la demande dont le patient est reçu.",
    "booking_is_teleconsultation": (
        "Ce rendez-vous est une téléconsultation assistée : modifiez-le depuis la"
        " téléconsultation, pour que les deux restent accordés."
    ),
    "booking_not_started": "La consultation n'a pas encore commencé.",
    "booking_transition": (
        "Ce rendez-vous ({status:booking_status}) ne peut pas passer à « {to:booking_status} »."
    ),
    # busy calendars
    "busy_calendar_max": (
        "Un professionnel importe {limit} calendriers au plus : retirez-en un d'abord."
    ),
    "busy_calendar_not_found": "Ce calendrier importé est introuvable.",
    # assisted teleconsultations
    "teleconsultation_nurse_only": (
        "Seul un infirmier ou une infirmière qui accompagne le patient réserve une"
        " téléconsultation assistée."
    ),
    "teleconsultation_consent_required": (
        "Le consentement du patient à la téléconsultation est nécessaire."
    ),
    "teleconsultation_video_required": (
        "Une téléconsultation assistée se réserve sur un créneau en vidéo."
    ),
    "teleconsultation_slot_not_assisted": (
        "Ce médecin n'a pas ouvert ce créneau aux téléconsultations assistées."
    ),
    "teleconsultation_reason_required": "Indiquez pourquoi le médecin est consulté.",
    "teleconsultation_reschedule_nurse_only": (
        "Seul l'infirmier ou l'infirmière qui accompagne le patient peut déplacer cette"
        " téléconsultation."
    ),
    "teleconsultation_reschedule_other_patient": (
        "Une téléconsultation ne se déplace que pour le même patient."
    ),
    "teleconsultation_transition": (
        "Cette téléconsultation ({status:teleconsultation_status}) ne peut pas passer à"
        " « {to:teleconsultation_status} »."
    ),
    "teleconsultation_start_too_early": (
        "La téléconsultation s'ouvre au plus tôt {minutes} minutes avant le créneau."
    ),
    "teleconsultation_outcome_gp_only": (
        "Seul le médecin qui a mené la téléconsultation en indique l'issue."
    ),
    "teleconsultation_not_started": "La téléconsultation n'a pas encore commencé.",
    "teleconsultation_handover_nurse_only": (
        "Seul l'infirmier ou l'infirmière qui accompagne le patient rédige la transmission."
    ),
    "teleconsultation_handover_closed": (
        "La téléconsultation est close ({status:teleconsultation_status}) : sa transmission"
        " ne se modifie plus."
    ),
    "teleconsultation_ended_meanwhile": (
        "La téléconsultation s'est terminée entre-temps : rechargez la page."
    ),
    "teleconsultation_link_nurse_only": (
        "Seul l'infirmier ou l'infirmière qui accompagne le patient lui envoie le lien de la salle."
    ),
    "teleconsultation_no_room": (
        "Cette téléconsultation ({status:teleconsultation_status}) n'a plus de salle à rejoindre."
    ),
    "teleconsultation_professionals_only": (
        "Seuls les professionnels de santé ont des téléconsultations."
    ),
    "teleconsultation_role": "Choisissez le rôle : médecin ou infirmier.",
}
