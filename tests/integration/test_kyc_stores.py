"""One suite for every document store: local files and S3 (moto's S3 server on loopback)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.kyc.documents import KycPorts
from core.kyc.model import ApplicationStatus
from core.persistence.database import Database
from core.ports import DocumentMissing, DocumentStore, DocumentStoreUnavailable
from integrations.documents.local import LocalDocumentStore
from integrations.documents.s3 import S3DocumentStore, S3Settings
from integrations.virusscan.development import DevelopmentScanner
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, MetadataMrzReader, bank_with_kyc, selfie

BUCKET = "teller-kyc"
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, in a thread of this process, listening on loopback only."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str, bucket: str = BUCKET) -> S3Settings:
    return S3Settings(bucket=bucket, endpoint_url=endpoint, prefix="teller/", **CREDENTIALS)


def make_bucket(endpoint: str) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    if request.param == "local":
        yield LocalDocumentStore(tmp_path / "documents")
        return
    endpoint = str(request.getfixturevalue("s3_endpoint"))
    await asyncio.to_thread(make_bucket, endpoint)
    yield S3DocumentStore(s3_settings(endpoint))


async def test_a_blob_is_stored_read_replaced_and_deleted(store: DocumentStore) -> None:
    await store.put("kyc/app-1/doc-1", b"sealed bytes")
    assert await store.get("kyc/app-1/doc-1") == b"sealed bytes"
    await store.put("kyc/app-1/doc-1", b"other bytes")
    assert await store.get("kyc/app-1/doc-1") == b"other bytes"
    await store.delete("kyc/app-1/doc-1")
    await store.delete("kyc/app-1/doc-1")  # deleting twice is no error
    with pytest.raises(DocumentMissing):
        await store.get("kyc/app-1/doc-1")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/./b", "", "k" * 201, "é"])
async def test_keys_that_could_escape_are_refused(store: DocumentStore, key: str) -> None:
    with pytest.raises(ValueError, match="storage key"):
        await store.put(key, b"x")


async def test_an_unwritable_directory_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(DocumentStoreUnavailable):
        await LocalDocumentStore(blocker).put("kyc/a", b"x")


async def test_an_unreachable_or_missing_bucket_is_unavailable(s3_endpoint: str) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    down = S3DocumentStore(
        S3Settings(bucket=BUCKET, endpoint_url=closed, timeout=1, **CREDENTIALS)
    )
    with pytest.raises(DocumentStoreUnavailable):
        await down.put("kyc/a", b"x")
    no_bucket = S3DocumentStore(s3_settings(s3_endpoint, bucket="no-such-bucket"))
    with pytest.raises(DocumentStoreUnavailable, match="NoSuchBucket"):
        await no_bucket.put("kyc/a", b"x")


async def test_a_bank_on_s3_keeps_only_ciphertext_in_the_bucket(
    database: Database, keyring: Keyring, clock: MutableClock, s3_endpoint: str
) -> None:
    await asyncio.to_thread(make_bucket, s3_endpoint)
    store = S3DocumentStore(s3_settings(s3_endpoint))
    ports = KycPorts(store, DevelopmentScanner(), MetadataMrzReader())
    bank: Bank = bank_with_kyc(database, keyring, clock, Path("unused"), ports)
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    agent = Actor(ActorKind.API_CLIENT, "chat")
    jana = Applicant()
    customer = await bank.customers.create(NewCustomer(jana.full_name), SYSTEM)
    draft = await bank.kyc.start(customer.id, agent)
    await bank.kyc.set_personal_data(draft.id, jana.personal_data(), agent)
    passport = await bank.kyc.add_document(draft.id, "passport", jana.passport(), agent)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), agent)
    await bank.kyc.submit(draft.id, agent)
    await run_jobs(bank)
    assert (await bank.kyc.get(draft.id)).status is ApplicationStatus.VERIFIED
    blob = await store.get(f"kyc/{draft.id}/{passport.id}")
    assert blob.startswith(b"TKD1")
    assert b"IHDR" not in blob
    staff = Actor(ActorKind.STAFF, "compliance-1")
    assert (await bank.kyc.document_content(passport.id, staff)).content == jana.passport()
