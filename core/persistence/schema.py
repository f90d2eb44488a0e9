"""Every table of the core on one ``MetaData``: what migrations and tests compare against.

The ledger's, customers' and audit tables live in ``core.persistence.tables``; each product
area keeps its own tables next to its code (``core/<area>/tables.py``, on the same
``metadata``) and is imported here so that Alembic and the schema test see all of them.
"""

from __future__ import annotations

import core.bills.tables
import core.cardmoney.tables
import core.cards.tables
import core.fx.tables
import core.jobqueue.tables
import core.kyc.tables
import core.payments.tables
import core.referrals.tables  # noqa: F401
from core.persistence.tables import metadata

__all__ = ["metadata"]
