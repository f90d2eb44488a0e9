"""The bank's own durable job queue: jobs, schedules and event deliveries in its database.

The embedded default (``teller serve`` on SQLite) and any single-database deployment run
their background work here, in-process; a scaled deployment may hand deferred jobs to
procrastinate on PostgreSQL instead (``integrations/procrastinate``). Both run the same
``core.jobs`` declarations.
"""
