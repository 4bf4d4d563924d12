"""Every mapped model of every bounded context, imported once so the metadata is complete.

Alembic and the test fixtures import this module; the domain packages never do.
"""

from coordination.accounts.account import Account, AccountRole
from coordination.accounts.token import ApiToken
from coordination.directory.commune import Commune
from coordination.directory.professional import PracticeLocation, Professional
from coordination.directory.structure import Structure
from coordination.directory.territory import Territory
from kernel.database import Base
from kernel.events import Event, EventCounter

metadata = Base.metadata

__all__ = [
    "Account",
    "AccountRole",
    "ApiToken",
    "Commune",
    "Event",
    "EventCounter",
    "PracticeLocation",
    "Professional",
    "Structure",
    "Territory",
    "metadata",
]
