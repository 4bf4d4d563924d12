"""Wound-care network endpoints: referrals, their photos and thread, and the roster."""
