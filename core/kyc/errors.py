"""KYC errors: stable codes with non-sensitive data (never a name, a number or file bytes)."""

from __future__ import annotations

from core.errors import CoreError, NotFound, ValidationFailed


class ApplicationNotFound(NotFound):
    code = "KYC_APPLICATION_NOT_FOUND"
    default_message = "No such KYC application."


class DocumentNotFound(NotFound):
    code = "KYC_DOCUMENT_NOT_FOUND"
    default_message = "No such KYC document."


class AlreadyVerified(CoreError):
    code = "KYC_ALREADY_VERIFIED"
    http_status = 409
    default_message = "The customer's identity is already verified."


class ApplicationOpen(CoreError):
    code = "KYC_APPLICATION_OPEN"
    http_status = 409
    default_message = "An application is already being processed or reviewed."


class AttemptsExhausted(CoreError):
    code = "KYC_ATTEMPTS_EXHAUSTED"
    http_status = 409
    default_message = "The customer has used every verification attempt."


class ApplicationNotEditable(CoreError):
    code = "KYC_APPLICATION_NOT_EDITABLE"
    http_status = 409
    default_message = "The application was submitted and can no longer change."


class ApplicationIncomplete(CoreError):
    code = "KYC_APPLICATION_INCOMPLETE"
    http_status = 422
    default_message = "The application lacks personal data or documents."


class NotInReview(CoreError):
    code = "KYC_NOT_IN_REVIEW"
    http_status = 409
    default_message = "The application is not waiting for a staff decision."


class StaffOnly(CoreError):
    code = "KYC_STAFF_ONLY"
    http_status = 403
    default_message = "Only staff may do this."


class InvalidPersonalData(ValidationFailed):
    """A personal data field is missing or malformed; ``field`` names it, never the value."""

    code = "KYC_INVALID_PERSONAL_DATA"


# -- files --------------------------------------------------------------------------------


class DocumentEmpty(ValidationFailed):
    code = "KYC_DOCUMENT_EMPTY"
    default_message = "The file is empty."


class DocumentTooLarge(CoreError):
    code = "KYC_DOCUMENT_TOO_LARGE"
    http_status = 413
    default_message = "The file is larger than the bank accepts."


class DocumentTypeNotAllowed(CoreError):
    code = "KYC_DOCUMENT_TYPE_NOT_ALLOWED"
    http_status = 415
    default_message = "Only PDF, JPEG and PNG files are accepted (a selfie: JPEG or PNG)."


class DocumentUnreadable(ValidationFailed):
    """The file claims a type its content does not hold up: corrupt, truncated, or more
    than one file in one (a polyglot)."""

    code = "KYC_DOCUMENT_UNREADABLE"
    default_message = "The file could not be read as the type it claims to be."


class DocumentDimensions(ValidationFailed):
    code = "KYC_DOCUMENT_DIMENSIONS"
    default_message = "The image is too small or too large to be a document photo."


class DocumentInfected(CoreError):
    code = "KYC_DOCUMENT_INFECTED"
    http_status = 422
    default_message = "The file was refused by the malware scan."


class KycUnavailable(CoreError):
    """A system KYC depends on (scanner, document storage) failed; try again later."""

    code = "KYC_UNAVAILABLE"
    http_status = 503
    default_message = "Identity verification is not available right now."
