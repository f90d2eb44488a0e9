"""Settings choose KYC's adapters; production refuses the development scanner."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.documents.local import LocalDocumentStore
from integrations.documents.s3 import S3DocumentStore
from integrations.virusscan.clamav import ClamdScanner
from integrations.virusscan.development import DevelopmentScanner
from teller.settings import ConfigurationError, Settings, check_production
from teller.wiring import kyc_ports


def test_the_development_default_needs_nothing_installed(tmp_path: Path) -> None:
    ports = kyc_ports(Settings(data_dir=tmp_path, kyc_mrz_reader="off"))
    assert repr(ports.documents) == f"LocalDocumentStore({str(tmp_path / 'kyc')!r})"
    assert isinstance(ports.scanner, DevelopmentScanner)
    assert ports.mrz is None


def test_s3_and_clamav_are_chosen_by_settings(tmp_path: Path) -> None:
    ports = kyc_ports(
        Settings(
            data_dir=tmp_path,
            kyc_document_store="s3",
            kyc_s3_bucket="kyc",
            kyc_s3_endpoint_url="http://127.0.0.1:9000",
            kyc_s3_secret_access_key="hidden",
            kyc_scanner="clamav",
            kyc_clamd_address="unix:///run/clamav/clamd.ctl",
        )
    )
    assert isinstance(ports.documents, S3DocumentStore)
    assert "hidden" not in repr(ports.documents)
    assert isinstance(ports.scanner, ClamdScanner)
    local = kyc_ports(Settings(data_dir=tmp_path, kyc_documents_dir=tmp_path / "elsewhere"))
    assert isinstance(local.documents, LocalDocumentStore)


def test_s3_without_a_bucket_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TELLER_KYC_S3_BUCKET"):
        kyc_ports(Settings(data_dir=tmp_path, kyc_document_store="s3"))


def test_production_refuses_the_development_scanner(tmp_path: Path) -> None:
    keys = {
        "encryption_keys": "k:x",
        "index_key": "y",
        "database_url": "postgresql://db/teller",
    }
    with pytest.raises(ConfigurationError, match="TELLER_KYC_SCANNER=clamav"):
        check_production(Settings(env="production", data_dir=tmp_path, **keys))
    check_production(Settings(env="production", data_dir=tmp_path, kyc_scanner="clamav", **keys))
