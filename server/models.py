"""Every mapped model of every bounded context, imported once so the metadata is complete.

Alembic and the test fixtures import this module; the domain packages never do.
"""

from coordination.accounts.account import Account, AccountRole
from coordination.accounts.links import AccountLink
from coordination.accounts.sas_regulators import SasRegulator
from coordination.accounts.token import ApiToken
from coordination.calendar.feed import CalendarFeed
from coordination.directory.commune import Commune, CommuneReference
from coordination.directory.professional import PracticeLocation, Professional
from coordination.directory.structure import Structure
from coordination.directory.territory import Territory
from coordination.doctor_access.models import GpCapacity, MtProposal, WaitingEntry
from coordination.indicators.contract import AciContract
from coordination.referrals.assessment import WoundAssessment
from coordination.referrals.models.expert import Expert, ExpertAbsence
from coordination.referrals.models.message import ReferralMessage
from coordination.referrals.models.photo import ReferralPhoto
from coordination.referrals.models.referral import Referral
from coordination.referrals.network_settings import NetworkSettings
from kernel.audit import PatientDataRead
from kernel.database import Base
from kernel.events import Event, EventCounter, PlatformEvent
from scheduling.busy_calendar import BusyCalendar, BusyInterval
from scheduling.models.availability_rule import AvailabilityRule
from scheduling.models.booking import Booking
from scheduling.models.hold import Hold
from scheduling.models.slot import Slot
from scheduling.models.slot_share import SlotShare
from scheduling.models.snp_request import SnpRequest
from scheduling.models.teleconsultation import Teleconsultation
from scheduling.patient import Patient
from scheduling.sas_delivery import OutboxCursor, SasDelivery

metadata = Base.metadata

__all__ = [
    "Account",
    "AccountLink",
    "AccountRole",
    "AciContract",
    "ApiToken",
    "AvailabilityRule",
    "Booking",
    "BusyCalendar",
    "BusyInterval",
    "CalendarFeed",
    "Commune",
    "CommuneReference",
    "Event",
    "EventCounter",
    "Expert",
    "ExpertAbsence",
    "GpCapacity",
    "Hold",
    "MtProposal",
    "NetworkSettings",
    "OutboxCursor",
    "Patient",
    "PatientDataRead",
    "PlatformEvent",
    "PracticeLocation",
    "Professional",
    "Referral",
    "ReferralMessage",
    "ReferralPhoto",
    "SasDelivery",
    "SasRegulator",
    "Slot",
    "SlotShare",
    "SnpRequest",
    "Structure",
    "Teleconsultation",
    "Territory",
    "WaitingEntry",
    "WoundAssessment",
    "metadata",
]
