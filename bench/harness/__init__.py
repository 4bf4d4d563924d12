"""A multi-worker harness: the real topology on one machine, a mixed load, faults, invariants.

    python -m bench.harness [--workers 3] [--seconds 60] [--faults redis,postgres,worker]

It owns every service it starts (a PostgreSQL cluster made with initdb, a redis-server, the
`cpts serve` workers and nginx in front, all on loopback ports it picked), so that the faults
it injects never touch the machine's shared PostgreSQL or Redis. The figures it prints are
the load held, the faults with their times and 503 counts, and each invariant's violations,
checked from the database and from what the clients were told; the exit code is non-zero
when any invariant was violated.
"""
