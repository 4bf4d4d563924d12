"""OpenID Connect: Pro Santé Connect, the ANS's login for health professionals (e-CPS, CPS)."""
