"""HTTP surface of account administration."""
