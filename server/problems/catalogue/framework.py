"""Problems the framework, the middlewares and the database raise: bodies that do not decode,
values the wire types refuse (msgspec's messages, read by server/problems/framework.py),
HTTP errors, lost races and a database away."""

from __future__ import annotations

# The problem's `title`, in French, by HTTP status.
TITLES: dict[int, str] = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non permise",
    409: "Conflit",
    410: "Supprimé",
    413: "Contenu trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Saisie invalide",
    429: "Trop de tentatives",
    500: "Erreur interne",
    503: "Service indisponible",
}

FRENCH: dict[str, str] = {
    # the body
    "body_malformed": "Le contenu envoyé n'est pas du JSON valide.",
    "body_missing": "Cette action attend un contenu JSON.",
    "body_too_deep": "Le contenu envoyé est imbriqué sur plus de {depth} niveaux.",
    "text_control_characters": "Ce texte contient des caractères de contrôle ou d'inversion de sens : retirez-les.",
    # values the wire types refuse (one per kind of msgspec message)
    "value_type": "Valeur d'un type inattendu : {expected:json_type} attendu.",
    "number_min": "La valeur doit être au moins {limit}.",
    "number_above": "La valeur doit être supérieure à {limit}.",
    "number_max": "La valeur doit être au plus {limit}.",
    "number_below": "La valeur doit être inférieure à {limit}.",
    "number_multiple": "La valeur doit être un multiple de {limit}.",
    "number_out_of_range": "Ce nombre est hors limites.",
    "text_too_short": "Le texte doit compter au moins {limit} caractère(s).",
    "text_too_long": "Le texte doit compter au plus {limit} caractères.",
    "list_too_short": "La liste doit compter au moins {limit} élément(s).",
    "list_too_long": "La liste compte au plus {limit} éléments.",
    "pattern_mismatch": "Le format n'est pas valide.",
    "choice_invalid": "Cette valeur ne fait pas partie des choix possibles.",
    "field_missing": "Le champ « {field} » est obligatoire.",
    "field_unknown": "Le champ « {field} » n'est pas attendu ici.",
    "datetime_invalid": "Cette date et heure n'est pas valide.",
    "date_invalid": "Cette date n'est pas valide.",
    "time_invalid": "Cette heure n'est pas valide.",
    "duration_invalid": "Cette durée n'est pas valide.",
    "datetime_zone_required": "Indiquez la date et l'heure avec leur fuseau (Z ou +01:00).",
    "datetime_zone_refused": "Indiquez la date et l'heure sans fuseau.",
    "uuid_invalid": "Cet identifiant n'est pas valide.",
    "value_invalid": "Cette valeur n'est pas valide.",
    # HTTP
    "not_found": "Cette adresse ne mène à rien.",
    "method_not_allowed": "Cette action n'est pas possible à cette adresse.",
    "payload_too_large": "Le contenu envoyé est trop volumineux.",
    "unsupported_media_type": "Ce type de contenu n'est pas accepté ici.",
    "too_many_requests": "Trop de tentatives : réessayez dans {seconds} secondes.",
    "request_refused": "La requête est refusée.",
    "forbidden": "Vous n'avez pas accès à cette action.",
    "server_error": "Le serveur a rencontré une erreur : réessayez plus tard.",
    # the database
    "conflict": "Ce changement entre en conflit avec l'état actuel : rechargez la page.",
    "concurrent_change": "Quelqu'un a modifié cet élément au même moment : rechargez et réessayez.",
    "database_unavailable": "La base de données est momentanément indisponible : réessayez dans un instant.",
    "internal_error": "Une erreur interne est survenue : réessayez, et signalez-la si elle persiste.",
}
