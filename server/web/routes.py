"""Every page of the web application, for the app factory to mount."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

from server.auth.psc_routes import accept_terms, psc_callback, psc_login
from server.web import (
    account,
    coordination,
    doctor_access,
    gp_slots,
    password,
    patients,
    platform,
    regulation,
    slip,
    teleconsultations,
    wounds,
)
from server.web.dashboard import dashboard
from server.web.login import home, login_page, terms_page

PAGES: list[HTTPRouteHandler] = [
    home,
    login_page,
    terms_page,
    psc_login,
    psc_callback,
    accept_terms,
    dashboard,
    *gp_slots.PAGES,
    *regulation.PAGES,
    *slip.PAGES,
    *patients.PAGES,
    *doctor_access.PAGES,
    *teleconsultations.PAGES,
    *wounds.PAGES,
    *coordination.PAGES,
    *account.PAGES,
    *password.PAGES,
    *platform.PAGES,
]
