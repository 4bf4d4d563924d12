"""The job that tells the SAS platform of its regulators' bookings, in every worker.

Collect (outbox → deliveries) and claim (deliveries → this worker) are short transactions;
the HTTP exchange happens between them, outside any transaction, so a slow SAS endpoint
holds no database connection and never delays a booking.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from coordination.accounts import sas_regulators
from coordination.accounts import service as accounts
from coordination.directory import practitioners as directory
from coordination.directory.territories import all_territories
from integrations.sas.appointments import AppointmentNews, SasClient, SasError, appointment
from scheduling import sas_delivery
from server.state import AppServices

log = logging.getLogger("cpts.sas")
LEASE = timedelta(minutes=2)
RETRY = timedelta(seconds=30)


def client_of(services: AppServices) -> SasClient | None:
    s = services.settings
    if not s.sas_appointment_url:
        return None
    return SasClient(
        s.sas_appointment_url,
        client_cert=s.sas_client_cert,
        client_key=s.sas_client_key,
        ca_file=s.sas_ca_file,
    )


async def _news(services: AppServices, claimed: sas_delivery.Claimed) -> AppointmentNews | None:
    d = claimed.delivery
    async with services.db.read() as session:
        pros = await directory.practitioners(session, d.territory_id, {d.professional_id})
        operator_pro = await accounts.professional_of(session, d.booked_by)
        named_by_sas = await sas_regulators.sas_identifier(session, d.booked_by)
        operators = (
            await directory.practitioners(session, d.territory_id, {operator_pro})
            if operator_pro
            else {}
        )
    gp = pros.get(d.professional_id)
    if gp is None:
        return None  # no national id: the SAS cannot place it
    operator = operators.get(operator_pro) if operator_pro else None
    return AppointmentNews(
        booking_id=str(d.booking_id),
        status=claimed.status.value,
        starts_at=d.starts_at,
        ends_at=d.ends_at,
        practitioner_national_id=gp.national_id,
        operator_national_id=operator.national_id if operator else None,
        operator_account_id=str(d.booked_by),
        operator_sas_identifier=named_by_sas,
    )


async def notify_sas(services: AppServices, client: SasClient | None = None) -> int:
    """One round: collect new booking news, then deliver what is due; returns deliveries made."""
    client = client or services.sas_client
    if client is None:
        return 0
    clock = services.clock
    try:
        async with services.db.write() as session:
            territories = [t.id for t in await all_territories(session)]
            await sas_delivery.collect(session, clock, territories)
    except RuntimeError:
        log.info("another worker collected the SAS news")
    async with services.db.write() as session:
        claimed = await sas_delivery.claim_due(session, clock, LEASE)
    system = f"{services.settings.public_url}/sas/appointments"
    sent = 0
    for item in claimed:
        news = await _news(services, item)
        if news is None:
            async with services.db.write() as session:
                await sas_delivery.failed(
                    session,
                    clock,
                    item.delivery.booking_id,
                    "the GP has no national id",
                    None,
                    RETRY * 120,
                )
            continue
        try:
            status = await client.send(appointment(news, system), item.delivery.created_remotely)
        except SasError as exc:
            async with services.db.write() as session:
                if exc.status in (400, 422):  # the content is refused: retrying will not help
                    await sas_delivery.rejected(
                        session, clock, item.delivery.booking_id, str(exc), exc.status
                    )
                else:
                    await sas_delivery.failed(
                        session, clock, item.delivery.booking_id, str(exc), exc.status, RETRY
                    )
            continue
        async with services.db.write() as session:
            await sas_delivery.delivered(
                session, clock, item.delivery.booking_id, item.status, status
            )
        sent += 1
    return sent
