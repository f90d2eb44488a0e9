"""Document stores for KYC files (``core.ports.DocumentStore``): local files and S3.

Both hold only what the core hands them, which is always ciphertext sealed per document
(``core.kyc.sealing``); neither ever sees a document in clear.
"""
