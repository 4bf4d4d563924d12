"""Coordination domain: the territory and its directory, accounts, referral network, indicators."""
