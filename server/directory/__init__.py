"""HTTP surface of the territory and its directory."""
