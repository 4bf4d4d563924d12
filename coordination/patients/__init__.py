"""The patient file: find a patient by name and birth date, and see on one page what the
reader may see of their care (SNP requests, bookings, teleconsultations, wound referrals)."""
