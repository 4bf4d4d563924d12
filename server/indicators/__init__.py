"""Indicator, contract and report routes, with their exports."""
