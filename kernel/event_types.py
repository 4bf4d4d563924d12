"""The catalogue of outbox event types: every event a context appends is one of these.

The value is what the outbox row stores and what live clients, SAS delivery and indicators
read; the part before the dot is the object's kind (`topic`). A new event is added here first.
"""

from __future__ import annotations

import enum


class EventType(enum.StrEnum):
    # accounts and access
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_UPDATED = "account.updated"
    ACCOUNT_INVITED = "account.invited"
    ACCOUNT_PASSWORD_RESET_REQUESTED = "account.password_reset_requested"  # noqa: S105
    ACCOUNT_PASSWORD_SET = "account.password_set"  # noqa: S105 - an event name
    ACCOUNT_TERMS_ASKED = "account.terms_asked"  # a first login held for the terms of use
    ACCOUNT_TERMS_ACCEPTED = "account.terms_accepted"
    AUTH_TOKEN_ISSUED = "auth.token_issued"  # noqa: S105 - an event name
    AUTH_TOKEN_REVOKED = "auth.token_revoked"  # noqa: S105 - an event name
    TERRITORY_CREATED = "territory.created"
    TERRITORY_UPDATED = "territory.updated"
    TERRITORY_HOLD_LIMIT_CHANGED = "territory.hold_limit_changed"
    # directory
    DIRECTORY_COMMUNES_ADDED = "directory.communes_added"
    DIRECTORY_PROFESSIONAL_CREATED = "directory.professional_created"
    DIRECTORY_PROFESSIONAL_UPDATED = "directory.professional_updated"
    DIRECTORY_STRUCTURE_CREATED = "directory.structure_created"
    DIRECTORY_IMPORTED = "directory.imported"
    DIRECTORY_COMMUNES_LOCATED = "directory.communes_located"  # given the reference's points
    # the platform (its own log, platform_events)
    COMMUNE_REFERENCE_REFRESHED = "commune_reference.refreshed"
    # slots, availability, holds
    SLOT_CREATED = "slot.created"
    SLOT_WITHDRAWN = "slot.withdrawn"
    SLOT_MOVED = "slot.moved"  # a free slot given other times
    SLOT_SHARED = "slot.shared"  # offered to the SAS under other CPTS of the deployment too
    SLOT_HELD = "slot.held"
    SLOT_RELEASED = "slot.released"
    SLOT_FREED = "slot.freed"
    SLOT_BLOCKED = "slot.blocked"
    SLOT_UNBLOCKED = "slot.unblocked"
    HOLD_RELEASED = "hold.released"  # the hold ended, its slot had already moved on
    AVAILABILITY_RULE_CREATED = "availability_rule.created"
    AVAILABILITY_RULE_UPDATED = "availability_rule.updated"
    AVAILABILITY_RULE_EXTENDED = "availability_rule.extended"
    AVAILABILITY_RULE_ENDED = "availability_rule.ended"
    # SNP requests and bookings
    REQUEST_CREATED = "request.created"
    REQUEST_CLOSED = "request.closed"
    REQUEST_REOPENED = "request.reopened"
    BOOKING_CREATED = "booking.created"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_RESCHEDULED = "booking.rescheduled"  # links the new booking to the one it replaces
    BOOKING_SLIP_SENT = "booking.slip_sent"  # the slip e-mailed to the patient (no address kept)
    BOOKING_HONOURED = "booking.honoured"
    BOOKING_NO_SHOW = "booking.no_show"
    # the médecin-traitant waiting list
    MT_ENTRY_CREATED = "mt_entry.created"
    MT_CAPACITY_SET = "mt_capacity.set"
    MT_PROPOSED = "mt_entry.proposed"
    MT_ACCEPTED = "mt_entry.accepted"
    MT_DECLINED = "mt_entry.declined"
    MT_DECLARED = "mt_entry.declared"
    MT_CLOSED = "mt_entry.closed"
    MT_REMINDED = "mt_entry.reminded"  # a GP reminded to answer, or to record the declaration
    # calendars
    BUSY_CALENDAR_ADDED = "busy_calendar.added"
    BUSY_CALENDAR_REFRESHED = "busy_calendar.refreshed"
    BUSY_CALENDAR_FAILED = "busy_calendar.failed"
    BUSY_CALENDAR_REMOVED = "busy_calendar.removed"
    CALENDAR_FEED_CREATED = "calendar_feed.created"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked"
    # teleconsultations
    TELECONSULTATION_BOOKED = "teleconsultation.booked"
    TELECONSULTATION_CANCELLED = "teleconsultation.cancelled"
    TELECONSULTATION_STARTED = "teleconsultation.started"
    TELECONSULTATION_COMPLETED = "teleconsultation.completed"
    TELECONSULTATION_NO_SHOW = "teleconsultation.no_show"
    TELECONSULTATION_HANDOVER_UPDATED = "teleconsultation.handover_updated"
    TELECONSULTATION_LINK_SENT = "teleconsultation.link_sent"
    TELECONSULTATION_REMINDER = "teleconsultation.reminder"
    # wound-care network
    NETWORK_SETTINGS_CHANGED = "network.settings_changed"
    EXPERT_REGISTERED = "expert.registered"
    EXPERT_UPDATED = "expert.updated"
    EXPERT_ABSENCE_ADDED = "expert.absence_added"
    EXPERT_ABSENCE_REMOVED = "expert.absence_removed"
    REFERRAL_REQUESTED = "referral.requested"
    REFERRAL_ACCEPTED = "referral.accepted"
    REFERRAL_REJECTED = "referral.rejected"
    REFERRAL_RELEASED = "referral.released"
    REFERRAL_STARTED = "referral.started"
    REFERRAL_COMPLETED = "referral.completed"
    REFERRAL_CANCELLED = "referral.cancelled"
    REFERRAL_REASSIGNED = "referral.reassigned"
    REFERRAL_OVERDUE = "referral.overdue"
    REFERRAL_MESSAGE_POSTED = "referral.message_posted"
    REFERRAL_PHOTO_ADDED = "referral.photo_added"
    REFERRAL_ASSESSMENT_ADDED = "referral.assessment_added"
    REFERRAL_FOLLOW_UP_BOOKED = "referral.follow_up_booked"
    # indicators, privacy
    ACI_CONTRACT_SAVED = "aci_contract.saved"
    PATIENT_PURGED = "patient.purged"

    @property
    def topic(self) -> str:
        """The kind of object the event is about: `booking` for `booking.created`."""
        return self.value.partition(".")[0]
