"""The médecin-traitant waiting list API."""
