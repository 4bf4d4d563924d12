"""Calendar subscriptions: secret feed URLs of a professional's agenda or of the territory pool."""
