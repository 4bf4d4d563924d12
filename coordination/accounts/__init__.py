"""Accounts, their roles, passwords and bearer tokens: who may act in a territory."""
