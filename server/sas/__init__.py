"""Appointment news for the SAS platform: the job that delivers it, the admins' view of it."""
