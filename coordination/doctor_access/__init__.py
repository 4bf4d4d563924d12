"""Access to a médecin traitant: the territory's waiting list, GP capacity and matching."""
