"""Shared kernel: the few types every layer agrees on (time, ids, actor, errors, the outbox).

It imports nothing of ours, so the domain packages, the integrations and the server can all
depend on it without creating cycles.
"""
