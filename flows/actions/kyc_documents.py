"""More documents for an identity check: a reviewer asked the customer for them (decision
0081); the customer sends files in the chat and the application goes back to review.

The uploads and the submission are onboarding's own actions (``kyc_upload``,
``kyc_submit``); this module finds the application waiting for documents, and lets go of
a file sent unasked when none is (decision 0104).
"""

from __future__ import annotations

from typing import Any

from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.kyc import KycApplicationStatus, KycDocumentKind


@action("kyc_more_documents", outcomes=("none",))
async def kyc_more_documents(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The customer's application waiting for more documents, with the kind of identity
    document it was opened with (passport or ID card)."""
    applications = await ctx.bank.list_kyc_applications(ctx.customer_id)
    waiting = [a for a in applications if a.status is KycApplicationStatus.MORE_DOCUMENTS]
    if not waiting:
        return Outcome("none")
    application = waiting[-1]
    identity = next(
        (d.kind for d in application.documents if d.kind is not KycDocumentKind.SELFIE),
        KycDocumentKind.PASSPORT,
    )
    ctx.record("kyc_more_documents_started")
    return Outcome(data={"id": str(application.id), "identity_kind": identity.value})


@action("discard_file")
async def discard_file(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Delete a file the customer sent that nothing was waiting for: an identity photo,
    perhaps, which chat's media keeps no longer than it must."""
    media_id = str((args.get("file") or {}).get("media_id", ""))
    if media_id:
        await ctx.services.media.delete(media_id)
    return Outcome()
