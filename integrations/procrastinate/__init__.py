"""The bank's background work on procrastinate, the PostgreSQL job queue, when scaled."""

from integrations.procrastinate.queue import (
    BackoffStrategy,
    ProcrastinateQueue,
    cron_of,
    open_app,
    register,
)

__all__ = ["BackoffStrategy", "ProcrastinateQueue", "cron_of", "open_app", "register"]
