"""Codes of the coordination part of the house: the directory, territories, accounts and
logins, calendar feeds and the privacy tools (audit log, patient data on request)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # the directory: professionals, structures, communes
    "directory_staff_only": (
        "Seuls la coordination et les administrateurs de la CPTS peuvent modifier l'annuaire."
    ),
    "professional_required": (
        "Indiquez le professionnel concerné : votre compte n'est pas celui d'un professionnel."
    ),
    "professional_duplicate": "Un professionnel de l'annuaire a déjà ce numéro RPPS ou ADELI.",
    "structure_duplicate": "Une structure de l'annuaire a déjà ce numéro FINESS ou SIRET.",
    "identifier_type_unknown": (
        "Type d'identifiant inconnu ({type}) : 8 pour un numéro RPPS, 0 pour un numéro ADELI."
    ),
    "commune_insee_invalid": (
        "« {insee} » n'est pas un code INSEE de commune : 5 chiffres, ou 2A ou 2B puis"
        " 3 chiffres en Corse."
    ),
    "commune_already_in_territory": "La commune {insee} est déjà sur le territoire.",
    "commune_unknown": (
        "Ces communes ne figurent pas dans le référentiel national : {unknown:list}."
        " Importez d'abord le référentiel des communes."
    ),
    "commune_no_coordinates": (
        "Cette commune n'a pas de coordonnées : la recherche par distance est impossible."
        " Cherchez sur la commune seule."
    ),
    "directory_radius_range": "La distance de recherche est comprise entre 0 et {max_km} km.",
    "department_code_invalid": (
        "« {department} » n'est pas un code de département : 2 ou 3 chiffres, ou 2A ou 2B."
    ),
    "communes_max": "Ajoutez au plus {max} communes à la fois.",
    # territories (the platform's operator)
    "territory_operator_only": (
        "Seul l'opérateur de la plateforme crée et configure les territoires."
    ),
    "territory_slug_invalid": (
        "L'identifiant du territoire compte de 1 à 64 caractères : lettres minuscules, chiffres"
        " et tirets, sans tiret au début ni à la fin."
    ),
    "territory_slug_taken": "Un territoire porte déjà cet identifiant.",
    "territory_finess_taken": "Un territoire a déjà ce numéro FINESS.",
    "territory_name_length": "Le nom du territoire compte de 1 à 200 caractères.",
    "territory_name_control_characters": (
        "Le nom du territoire ne peut pas contenir de caractères de contrôle."
    ),
    "territory_phone_invalid": "Ce numéro de téléphone n'est pas valide.",
    "population_negative": "La population ne peut pas être négative.",
    "aci_size_range": "La taille ACI de la CPTS va de 1 à 4.",
    "territory_timezone_locked": (
        "Les agendas du territoire sont publiés dans son fuseau horaire : il ne peut plus changer."
    ),
    "first_admin_email_taken": (
        "Cette adresse e-mail a déjà sur le territoire un compte qui n'est pas administrateur."
    ),
    # accounts and logins
    "login_failed": "L'adresse e-mail ou le mot de passe est incorrect.",
    "territory_to_choose": (
        "Cette adresse e-mail et ce mot de passe ouvrent plusieurs territoires : choisissez-en un."
    ),
    "sas_regulator_not_from_sas": (
        "Votre compte de régulateur est ouvert par la plateforme SAS : connectez-vous depuis le SAS."
    ),
    "sas_regulator_no_password": (
        "Un régulateur du SAS n'a pas de mot de passe ici : il se connecte depuis la plateforme SAS."
    ),
    "sas_regulator_no_tokens": (
        "Un régulateur du SAS agit depuis la plateforme SAS, sans jeton d'accès à l'API."
    ),
    "psc_no_account": (
        "Aucun compte ne correspond ici à votre identité Pro Santé Connect :"
        " demandez à la coordination de la CPTS de vous en créer un."
    ),
    "token_invalid": "Cette connexion n'est pas valable : reconnectez-vous.",
    "token_expired": "Votre connexion a expiré ou a été fermée : reconnectez-vous.",
    "token_not_found": "Ce jeton d'API est introuvable.",
    "token_already_revoked": "Ce jeton d'API est déjà révoqué.",
    "sas_certificate_unbound": (
        "Le certificat du SAS n'est rattaché à aucun compte de plateforme SAS, ou à plusieurs."
    ),
    "account_email_not_found": "Aucun compte n'a l'adresse e-mail {email}.",
    "account_email_several_territories": (
        "L'adresse e-mail {email} a des comptes sur plusieurs territoires : précisez lequel."
    ),
    "account_disabled": "Ce compte est désactivé.",
    "accounts_admin_only": "Seul un administrateur du territoire peut gérer les comptes.",
    "account_role_required": "Un compte a au moins un rôle : choisissez-en un.",
    "operator_role_alone": (
        "Le rôle d'opérateur est celui de la plateforme : il se porte seul,"
        " par un compte d'aucun territoire."
    ),
    "own_admin_role": "Vous ne pouvez pas retirer votre propre rôle d'administrateur.",
    "own_account_disable": "Vous ne pouvez pas désactiver votre propre compte.",
    "password_short": "Le mot de passe doit compter au moins {min} caractères.",
    "password_long": "Le mot de passe doit compter au plus {max} caractères.",
    "password_breached": (
        "Ce mot de passe figure dans des listes de mots de passe divulgués :"
        " choisissez-en un autre."
    ),
    "link_invalid": (
        "Ce lien a expiré ou a déjà servi. Demandez-en un nouveau depuis « Mot de passe oublié »."
    ),
    # the SAS platform's regulators
    "sas_platform_only": "Seule la plateforme SAS gère ses régulateurs.",
    "sas_identifier_system": (
        "L'identifiant du régulateur est un identifiant national (IdNat_PS) ou celui du SAS."
    ),
    "sas_identifier_length": "L'identifiant du régulateur compte de 1 à {max} caractères.",
    "sas_regulator_exists": "Un régulateur a déjà cet identifiant.",
    "sas_regulator_other_roles": (
        "Ce compte a d'autres rôles dans la CPTS : c'est à son administrateur de le gérer."
    ),
    # calendar feeds
    "feed_professional_only": "Seul un compte rattaché à un professionnel a un flux d'agenda.",
    "feed_pool_staff_only": (
        "Le flux des créneaux de la CPTS est réservé à la coordination et aux administrateurs."
    ),
    "feed_pool_no_patients": "Le flux des créneaux de la CPTS ne montre jamais de patient.",
    "feed_limit": "Un compte a au plus {max} flux d'agenda actifs : révoquez-en un d'abord.",
    "feed_revoked": "Ce flux d'agenda a été révoqué : créez-en un nouveau depuis votre compte.",
    # privacy: the audit log, patient data on request
    "audit_coordinators_only": (
        "Le journal des accès aux données de santé est réservé à la coordination du territoire."
    ),
    "audit_limit_range": "Une page du journal compte de 1 à {max} lignes.",
    "patient_search_name_short": "Indiquez au moins deux lettres du nom de famille.",
    "patient_not_found": "Ce patient est introuvable.",
    "slip_cancelled": "Ce rendez-vous est annulé : il n'a plus de récapitulatif.",
    "slip_not_sent": "L'envoi de l'e-mail a échoué : le récapitulatif n'est pas parti, réessayez.",
}
