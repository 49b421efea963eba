"""A local S3-compatible server for the storage tests (moto's, in a thread, on loopback)."""

import logging
import uuid


class S3Server:
    """A local S3-compatible server (moto's), on a free loopback port."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        # Its HTTP server logs every request at INFO.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="test-access-key",
            aws_secret_access_key="test-secret-key",  # noqa: S106
        )

    def new_bucket(self) -> str:
        # moto keeps its buckets in memory shared by every server of the process: a name of
        # its own for each bucket.
        name = f"guichet-test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables an operator would set for this server and bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "test-access-key",
            "S3_SECRET_ACCESS_KEY": "test-secret-key",
            "S3_PREFIX": "guichet",
        }

    def stop(self):
        self._server.stop()
