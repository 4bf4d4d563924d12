"""The ANS Annuaire Santé: its open-data extraction and its FHIR API, read into the
directory's national activities (coordination/directory/national_import.py)."""
