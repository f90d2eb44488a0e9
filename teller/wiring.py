"""The composition root's one place that builds Teller's parts from settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.service import BankIdentity
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from core.clock import SystemClock
from core.kyc.documents import KycPorts
from core.persistence.database import Database
from core.ports import DocumentStore, MrzReader, VirusScanner
from integrations.documents.local import LocalDocumentStore
from integrations.documents.s3 import S3DocumentStore, S3Settings
from integrations.mrz.tesseract import TesseractMrzReader, tesseract_path
from integrations.virusscan.clamav import ClamdScanner
from integrations.virusscan.development import DevelopmentScanner
from teller.keys import load_keyring
from teller.settings import ConfigurationError, Settings, check_production


@dataclass
class Container:
    settings: Settings
    db: Database
    bank: Bank
    api_keys: ApiKeys
    authenticator: Authenticator

    async def close(self) -> None:
        await self.db.dispose()


def build(settings: Settings) -> Container:
    """Everything Teller runs on, from settings; nothing connects until used."""
    check_production(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    db = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
    bank = Bank.build(
        db,
        load_keyring(settings),
        settings.currency_list,
        clock=clock,
        identity=BankIdentity(settings.iban_country, settings.bank_code),
        kyc=kyc_ports(settings),
    )
    api_keys = ApiKeys(db, clock)
    oidc = None
    if settings.oidc_issuer and settings.jwks_url:
        oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.jwks_url)
    return Container(settings, db, bank, api_keys, Authenticator(api_keys, oidc))


def kyc_ports(settings: Settings) -> KycPorts:
    """KYC's document store, malware scanner and MRZ reader, as the settings choose."""
    store: DocumentStore
    if settings.kyc_document_store == "s3":
        if not settings.kyc_s3_bucket:
            raise ConfigurationError("TELLER_KYC_DOCUMENT_STORE=s3 needs TELLER_KYC_S3_BUCKET")
        secret = settings.kyc_s3_secret_access_key
        store = S3DocumentStore(
            S3Settings(
                bucket=settings.kyc_s3_bucket,
                endpoint_url=settings.kyc_s3_endpoint_url,
                region=settings.kyc_s3_region,
                access_key_id=settings.kyc_s3_access_key_id,
                secret_access_key=None if secret is None else secret.get_secret_value(),
                prefix=settings.kyc_s3_prefix,
                server_side_encryption=settings.kyc_s3_server_side_encryption,
            )
        )
    else:
        store = LocalDocumentStore(settings.kyc_documents_dir or settings.data_dir / "kyc")
    scanner: VirusScanner = (
        ClamdScanner(settings.kyc_clamd_address)
        if settings.kyc_scanner == "clamav"
        else DevelopmentScanner()
    )
    mrz: MrzReader | None = None
    if settings.kyc_mrz_reader == "tesseract" or (
        settings.kyc_mrz_reader == "auto" and tesseract_path() is not None
    ):
        mrz = TesseractMrzReader()  # FileNotFoundError when asked for and not installed
    return KycPorts(store, scanner, mrz)
