"""Codes raised by several parts of the house: one message each, said once."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # paging and windows
    "cursor_invalid": "Ce lien de page n'est plus valable : recommencez depuis la première page.",
    "end_before_start": "La fin doit venir après le début.",
    "search_window_max": "La recherche porte sur {days} jours au plus.",
    "utc_offset_required": "Indiquez la date et l'heure complètes, avec leur fuseau.",
    "field_empty": "Ce champ ne peut pas rester vide.",
    # things that are not there (for this person)
    "professional_not_found": "Ce professionnel est introuvable.",
    "slot_not_found": "Ce créneau n'existe plus : relancez la recherche.",
    "hold_not_found": "Ce créneau n'est plus retenu pour vous : choisissez-le à nouveau.",
    "request_not_found": "Cette demande est introuvable.",
    "booking_not_found": "Ce rendez-vous est introuvable.",
    "teleconsultation_not_found": "Cette téléconsultation est introuvable.",
    "referral_not_found": "Cette demande d'avis est introuvable.",
    "account_not_found": "Ce compte est introuvable.",
    "feed_not_found": "Ce flux d'agenda est introuvable.",
    "territory_not_found": "Ce territoire est introuvable.",
    "location_not_found": "Ce lieu d'exercice n'est pas celui de ce professionnel.",
    "structure_not_found": "Cette structure n'est pas sur le territoire.",
    # shared rules
    "hold_spent": "Ce créneau a déjà été réservé ou relâché : choisissez-en un autre.",
    "slot_mismatch": "Le créneau choisi ne correspond pas à celui qui est retenu.",
    "slot_or_hold_required": "Choisissez un créneau.",
    "slot_started": "Ce créneau a déjà commencé : choisissez-en un autre.",
    "request_closed": "Cette demande est déjà close ({outcome:outcome}).",
    "idempotency_key_reused": "Cette réservation a déjà été envoyée : rechargez la page.",
    "consent_future": "Le consentement ne peut pas être daté dans le futur.",
    "email_invalid": "Cette adresse e-mail n'est pas valide.",
    "email_taken": "Un compte existe déjà avec cette adresse e-mail.",
    "commune_not_in_territory": "La commune {insee} n'est pas sur le territoire.",
    "holiday_subdivision_unknown": "Cette zone de vacances scolaires n'existe pas.",
    "timezone_unknown": "Ce fuseau horaire n'existe pas : {zone}.",
    "rpps_format": "Le numéro RPPS compte 11 chiffres.",
    "adeli_format": "Le numéro ADELI compte 9 caractères : le département (2 chiffres, 2A ou 2B) puis 7 chiffres.",
    "finess_format": "Le numéro FINESS compte 9 caractères : le département (2 chiffres, 2A ou 2B) puis 7 chiffres.",
    "siret_invalid": "Ce numéro SIRET n'est pas valide (14 chiffres et leur clé).",
    "nir_invalid": "Ce NIR n'est pas valide : vérifiez ses 13 chiffres et sa clé.",
    "rpps_or_adeli_required": "Indiquez un numéro RPPS ou ADELI.",
    "finess_or_siret_required": "Indiquez un numéro FINESS ou SIRET.",
    "file_too_large": "Le fichier dépasse {megabytes} Mo.",
    "multipart_file_required": "Joignez le fichier.",
    "busy_retry": "Le serveur est très sollicité : réessayez dans un instant.",
    # who may do what
    "authentication_required": "Connectez-vous pour continuer.",
    "roles_required": "Votre compte n'a pas le rôle qu'il faut pour cette action.",
}
