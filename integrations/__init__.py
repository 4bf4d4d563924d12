"""Adapters between the domain and the outside: iCal, FHIR/SAS, OIDC, video rooms, Redis."""
