"""Codes of the server part of the house: who may call (guards, cookies, tokens), imported
calendars and their fetching, the SAS's FHIR search and regulators, the command-line imports
(communes, Annuaire Santé, MSSanté), and the routes' own checks."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # who is calling
    "sas_account_fhir_only": (
        "Le compte de la plateforme SAS sert uniquement à rechercher des créneaux"
        " par l'interface FHIR."
    ),
    "operator_platform_only": "Le compte d'opérateur sert uniquement à administrer la plateforme.",
    "operator_only": "Cette action est réservée à l'opérateur de la plateforme.",
    "cross_site_request": "Cette requête vient d'un autre site : elle est refusée.",
    "bearer_malformed": "L'en-tête d'authentification doit avoir la forme « Bearer <jeton> ».",
    "csrf_token_invalid": "Cette page a expiré : rechargez-la, puis recommencez.",
    # an imported calendar: the file
    "calendar_not_ical": "Ce fichier n'est pas un agenda au format iCalendar (.ics).",
    "calendar_too_many_events": (
        "Cet agenda compte plus de {most} événements sur la période : scindez-le en plusieurs"
        " agendas."
    ),
    "calendar_unreadable": "Cet agenda ne peut pas être lu : vérifiez le fichier.",
    "calendar_too_slow": (
        "Cet agenda est trop long à lire : ses événements récurrents se répètent trop souvent."
    ),
    "calendar_too_large": "Cet agenda est trop volumineux pour être lu.",
    "calendar_name_too_long": "Le nom de l'agenda compte {most} caractères au plus.",
    "calendar_upload_refresh": (
        "Un agenda importé depuis un fichier s'actualise en important à nouveau le fichier."
    ),
    "calendar_refresh_failed": "L'agenda n'a pas pu être actualisé : réessayez dans un instant.",
    # an imported calendar: its address and its server
    "calendar_url_scheme": "L'adresse de l'agenda doit commencer par https:// ou webcal://.",
    "calendar_url_https": (
        "L'adresse de l'agenda doit commencer par https:// : elle donne accès à votre agenda."
    ),
    "calendar_url_credentials": (
        "L'adresse de l'agenda ne doit contenir ni nom d'utilisateur ni mot de passe."
    ),
    "calendar_url_too_long": "L'adresse de l'agenda est trop longue.",
    "calendar_url_host_invalid": "Le nom de domaine de cette adresse n'est pas valide.",
    "calendar_url_private": (
        "Cette adresse mène à un réseau privé : donnez l'adresse publique de l'agenda."
    ),
    "calendar_host_unknown": "Le serveur {host} est introuvable : vérifiez l'adresse.",
    "calendar_server_encoding": (
        "Le serveur de l'agenda a envoyé un contenu encodé d'une façon inconnue."
    ),
    "calendar_server_corrupt": "Le serveur de l'agenda a envoyé un contenu compressé endommagé.",
    "calendar_server_slow": (
        "Le serveur de l'agenda n'a pas répondu en {seconds} secondes : réessayez plus tard."
    ),
    "calendar_server_redirect": (
        "Le serveur de l'agenda renvoie vers une autre adresse sans l'indiquer."
    ),
    "calendar_server_redirects": (
        "Le serveur de l'agenda renvoie trop de fois vers d'autres adresses : vérifiez l'adresse."
    ),
    "calendar_server_status": (
        "Le serveur de l'agenda a répondu par une erreur ({status}) : vérifiez l'adresse."
    ),
    "calendar_server_unreachable": (
        "Le serveur de l'agenda est injoignable : vérifiez l'adresse ou réessayez plus tard."
    ),
    # the SAS's slot search (FHIR)
    "fhir_window_required": (
        "Indiquez la période de recherche : une date de début et une date de fin."
    ),
    "fhir_status_free_only": "Seuls les créneaux libres peuvent être recherchés.",
    "fhir_practitioner_id_invalid": (
        "Cet identifiant national de professionnel n'est pas valide : {identifier}."
    ),
    "fhir_structure_id_invalid": (
        "Cet identifiant national de structure n'est pas valide : {identifier}."
    ),
    "fhir_practitioner_required": "Indiquez de 1 à {most} professionnels, ou la CPTS.",
    "fhir_practitioners_max": "La recherche porte sur {most} professionnels au plus.",
    # the SAS's regulators (FHIR Practitioner)
    "regulator_resource_type": "La ressource doit être de type Practitioner.",
    "regulator_identifier_one": "Indiquez un seul identifiant : l'IdNat_PS ou l'identifiant SAS.",
    "regulator_identifier_system": "L'identifiant doit être un IdNat_PS ou un identifiant SAS.",
    "regulator_identifier_type": "Le type de cet identifiant doit être {expected}.",
    "regulator_identifier_required": "Désignez le régulateur par son identifiant.",
    "regulator_active_required": "Indiquez si le régulateur est actif.",
    "regulator_name_one": "Indiquez un seul nom : le nom de famille et un prénom.",
    "regulator_telecom_one": (
        "Indiquez un seul moyen de contact : l'adresse e-mail du régulateur."
    ),
    # the command-line imports
    "communes_files_invalid": (
        "Ces fichiers ne sont pas ceux des communes (COG et coordonnées) : vérifiez-les."
    ),
    "extraction_line_too_long": (
        "Ce fichier n'est pas l'extraction attendue : une ligne dépasse {kilobytes} Ko."
    ),
    "extraction_columns_missing": (
        "Ce fichier n'est pas l'extraction de l'Annuaire Santé : il y manque les colonnes"
        " {missing:list}."
    ),
    "extraction_not_utf8": (
        "Ce fichier n'est pas un texte UTF-8 : ce n'est pas l'extraction attendue."
    ),
    "mssante_columns_missing": (
        "Ce fichier n'est pas l'extraction MSSanté : il y manque les colonnes {missing:list}."
    ),
    "annuaire_bundle_invalid": (
        "Le fichier {file} n'est pas une réponse lisible de l'API Annuaire Santé."
    ),
    "annuaire_api_unavailable": (
        "L'API Annuaire Santé ne répond pas correctement : réessayez plus tard."
    ),
    # the routes' own checks
    "photo_unprocessable": (
        "Cette image est trop grande pour être traitée : envoyez une photo plus légère."
    ),
    "slot_search_radius_commune": (
        "Choisissez une commune pour chercher dans un rayon autour d'elle."
    ),
    "room_link_not_sent": "L'envoi de l'e-mail a échoué : le lien n'a pas été envoyé, réessayez.",
}
