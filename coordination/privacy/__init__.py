"""Data protection: who read which patient (audit log), one patient's data on request, and
the purge of identities once the care they served is long over (retention)."""
