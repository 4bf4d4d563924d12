"""Jinja set-up of the pages: templates, static assets and the French formatting filters.

Dates and times are shown in the territory's zone, the way the people of the CPTS read them,
whatever zone the browser or the server runs in.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.web import labels

_HERE = Path(__file__).parent
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def fr_number(value: Any, unit: str = "count") -> str:
    if value is None:
        return "—"
    number = f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    number = number.replace(",", "\u202f").replace(".", ",")
    suffix = {"percent": " %", "hours": " h", "euros": " €"}.get(unit, "")
    return number + suffix


def local(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M")


def local_time(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _day_of(value: date | datetime, zone: str | None) -> date:
    """The day of `value`: in `zone` for an instant, when one is given."""
    if isinstance(value, datetime):
        return (value.astimezone(ZoneInfo(zone)) if zone else value).date()
    return value


def long_date(value: date | datetime, zone: str | None = None) -> str:
    """« mardi 1er décembre 2026 », « mercredi 2 décembre 2026 »."""
    value = _day_of(value, zone)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{WEEKDAYS[value.weekday()]} {day} {MONTHS[value.month - 1]} {value.year}"


# How people name the time of the zones French territories live in.
_ZONE_NAMES = {
    "Europe/Paris": "heure de Paris",
    "Indian/Reunion": "heure de La Réunion",
    "Indian/Mayotte": "heure de Mayotte",
    "America/Guadeloupe": "heure des Antilles",
    "America/Martinique": "heure des Antilles",
    "America/Cayenne": "heure de Guyane",
    "America/Miquelon": "heure de Saint-Pierre-et-Miquelon",
    "Pacific/Noumea": "heure de Nouméa",
    "Pacific/Tahiti": "heure de Tahiti",
}


def zone_name(zone: str) -> str:
    """« heure de Paris », not « heure de Europe/Paris »."""
    return _ZONE_NAMES.get(zone) or "heure de " + zone.rsplit("/", 1)[-1].replace("_", " ")


_VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüyœAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜYŒhH")


def of(name: str) -> str:
    """« de Martin », « d’Élodie », « d’Hélène »: the French elision before a vowel or a mute h
    (every initial h is taken as mute: names rarely have an aspirated one)."""
    return f"d’{name}" if name[:1] in _VOWELS else f"de {name}"


def born(sex: object) -> str:
    """« née », « né », « né·e » (sex not said), the agreement of « né le … »."""
    return {"female": "née", "male": "né"}.get(str(getattr(sex, "value", sex)), "né·e")


def short_date(value: date | datetime, zone: str | None = None) -> str:
    """« mar. 1/12 »: a column head of the week view."""
    value = _day_of(value, zone)
    return f"{WEEKDAYS[value.weekday()][:3]}. {value.day}/{value.month}"


def _engine(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(
        fr=fr_number,
        local=local,
        local_time=local_time,
        long_date=long_date,
        short_date=short_date,
        zone_name=zone_name,
        born=born,
        of=of,
        specialty=labels.specialty,
    )
    engine.engine.globals.update(SEXES=labels.SEXES)  # the one way the pages say a sex


TEMPLATES = TemplateConfig(
    directory=_HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_engine
)
STATIC = create_static_files_router(
    path="/static", directories=[_HERE / "static"], opt={"public": True}
)
