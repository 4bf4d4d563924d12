"""ACI indicators: measured in SQL from the territory's data, and the contract that pays on them."""
