"""Codes of the indicators and the ACI contract (coordination/indicators/)."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # the figures
    "indicators_staff_only": (
        "Les indicateurs sont réservés aux coordinateurs et aux administrateurs de la CPTS."
    ),
    "indicators_period_max": "Une période couvre trois ans au plus.",
    "indicators_dates_range": "Les dates vont de 2000 à 2100.",
    # the ACI contract
    "contract_not_found": "Aucun contrat ACI n'est enregistré pour {year}.",
    "contract_staff_only": (
        "Seuls les coordinateurs et les administrateurs de la CPTS tiennent le contrat ACI."
    ),
    "contract_year_range": "L'année du contrat va de 2019 à 2100.",
    "contract_exists": (
        "Le contrat {year} existe déjà (version {version}) : rechargez-le avant de l'enregistrer."
    ),
    "contract_changed": "Le contrat a été modifié entre-temps : rechargez-le.",
    "contract_mission_repeated": "Chaque mission ne figure qu'une fois dans le contrat.",
    "contract_amount_negative": "Les montants ne peuvent pas être négatifs.",
    "contract_indicator_key_repeated": (
        "Deux indicateurs du contrat portent la même clé : donnez-leur des clés différentes."
    ),
    "contract_measure_unknown": "L'indicateur mesuré « {measure} » n'existe pas.",
    "contract_measured_manual_value": (
        "Un indicateur mesuré ne prend pas de valeur saisie à la main."
    ),
    "contract_steps_required": "Indiquez au moins un palier.",
    "contract_steps_order": "Les seuils des paliers doivent aller en croissant, sans doublon.",
    "contract_step_above_variable": (
        "Un palier ne peut pas rapporter plus que la part variable de la mission."
    ),
    "contract_as_of_without_value": "Une date accompagne une valeur saisie : indiquez la valeur.",
}
