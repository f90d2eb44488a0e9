"""``S3DocumentStore``: document blobs as objects in an S3-compatible bucket.

Works with AWS S3 and compatible servers (MinIO, Ceph, Garage) through ``boto3``, whose
blocking calls run in worker threads. Objects are the core's sealed blobs, so the bucket
holds ciphertext whatever its own encryption settings; ``ServerSideEncryption`` is asked
for as well where the server supports it (``server_side_encryption``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.ports import DocumentMissing, DocumentStoreUnavailable
from integrations.documents.keys import check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None  # None: AWS itself
    region: str = "us-east-1"
    access_key_id: str | None = None  # None: boto3's usual credential chain
    secret_access_key: str | None = None
    prefix: str = ""  # prepended to every key, e.g. "teller/"
    server_side_encryption: str | None = None  # e.g. "AES256"; None for servers without it
    timeout: float = 10.0

    def __repr__(self) -> str:  # never the secret
        return f"S3Settings(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"


class S3DocumentStore:
    """A :class:`core.ports.DocumentStore` in an S3 bucket."""

    def __init__(self, settings: S3Settings) -> None:
        self._settings = settings
        self._client: S3Client | None = None

    def __repr__(self) -> str:
        return f"S3DocumentStore({self._settings!r})"

    def _s3(self) -> S3Client:
        # Created on first use (never at import): creating a client reads configuration.
        if self._client is None:
            s = self._settings
            self._client = boto3.client(
                "s3",
                endpoint_url=s.endpoint_url,
                region_name=s.region,
                aws_access_key_id=s.access_key_id,
                aws_secret_access_key=s.secret_access_key,
                config=Config(
                    connect_timeout=s.timeout,
                    read_timeout=s.timeout,
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"},
                ),
            )
        return self._client

    def _name(self, key: str) -> str:
        return self._settings.prefix + check_key(key)

    async def put(self, key: str, blob: bytes) -> None:
        """See :meth:`core.ports.DocumentStore.put`."""
        extra: dict[str, Any] = {}
        if self._settings.server_side_encryption:
            extra["ServerSideEncryption"] = self._settings.server_side_encryption
        name = self._name(key)
        await self._call(
            lambda: self._s3().put_object(
                Bucket=self._settings.bucket,
                Key=name,
                Body=blob,
                ContentType="application/octet-stream",
                **extra,
            )
        )

    async def get(self, key: str) -> bytes:
        """See :meth:`core.ports.DocumentStore.get`."""
        name = self._name(key)

        def fetch() -> bytes:
            response = self._s3().get_object(Bucket=self._settings.bucket, Key=name)
            with response["Body"] as body:
                data: bytes = body.read()
            return data

        result: bytes = await self._call(fetch)
        return result

    async def delete(self, key: str) -> None:
        """See :meth:`core.ports.DocumentStore.delete` (S3 deletes are idempotent)."""
        name = self._name(key)
        await self._call(lambda: self._s3().delete_object(Bucket=self._settings.bucket, Key=name))

    async def _call(self, operation: Any) -> Any:
        try:
            return await asyncio.to_thread(operation)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise DocumentMissing("no document under this key") from exc
            raise DocumentStoreUnavailable(f"S3 refused the request ({code})") from exc
        except BotoCoreError as exc:
            raise DocumentStoreUnavailable(f"S3 failed ({type(exc).__name__})") from exc
