"""FHIR R4 for the SAS platform (slot aggregation, ANS IG `ans.fhir.fr.sas`) and SMART
Scheduling Links bulk publication."""
