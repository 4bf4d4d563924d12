"""Wound-care network: experts, referrals (téléexpertise), assessments, photos, deadlines."""
