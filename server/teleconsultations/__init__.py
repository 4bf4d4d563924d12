"""Nurse-assisted teleconsultation endpoints, their wire shapes and their notices."""
