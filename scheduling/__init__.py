"""Scheduling domain: GP pool slots, availability rules, SNP requests, holds and bookings."""
