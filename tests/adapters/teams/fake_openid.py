"""A local fake of the Bot Framework's OpenID metadata, and tokens signed as the channel signs.

botbuilder fetches the metadata with `requests`, blocking the event loop, so this server runs
in a thread of its own (an aiohttp server on the test's loop could never answer). Tokens are
RS256 JWTs signed with a key generated per run and published here with its endorsements.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["CHANNEL_ISSUER", "FakeOpenId", "new_key"]

CHANNEL_ISSUER = "https://api.botframework.com"  # who signs the Bot Framework's tokens
KEY_ID = "fake-key-1"


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOpenId:
    """Serves /.well-known/openid-configuration and its keys; mints tokens."""

    def __init__(self) -> None:
        self.key = new_key()
        self.requests = 0
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self._keys = {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                fake.requests += 1
                if self.path.endswith("/openid-configuration"):
                    body: Any = {"issuer": CHANNEL_ISSUER, "jwks_uri": fake.base + "/keys"}
                elif self.path == "/keys":
                    body = fake._keys
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        """Where botbuilder is told to find the metadata."""
        return self.base + "/v1/.well-known/openid-configuration"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str = CHANNEL_ISSUER,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: int = 3600,
    ) -> str:
        """A channel token for the bot `audience`, as the Bot Framework sends it."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})
