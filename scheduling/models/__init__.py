"""The tables of scheduling and the rules that read a loaded row; the use cases are the
modules beside this package (slots.py, bookings.py…)."""
