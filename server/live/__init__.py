"""Live updates: the outbox's sequenced events pushed to websockets, per reader's rights."""
