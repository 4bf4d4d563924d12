"""Indicator exports for the CPAM/ARS review: CSV and XLSX."""
