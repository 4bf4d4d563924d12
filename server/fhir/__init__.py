"""FHIR routes: the SAS platform's slot search and the SMART Scheduling Links publication."""
