"""Authentication (bearer tokens, session cookies) and authorisation guards."""
