"""KYC: identity applications, their documents, automatic checks and staff decisions.

A customer's application collects personal data and documents (a passport or ID card and a
selfie), each file checked by content, scanned for malware and stored encrypted through the
``DocumentStore`` port. Submitting it queues a background job that reads the passport's
machine-readable zone, runs the checks in :mod:`core.kyc.checks` and decides: verified,
manual review or rejected. The decision sets the customer's ``kyc_status`` (and so their
``KycLevel``) and is announced on the outbox as ``kyc.decided``.
"""
