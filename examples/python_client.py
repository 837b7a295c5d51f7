"""A Python client of tokenvend: discover the token endpoint, get a token with the client
credentials grant, call the API with it. Only `requests` (pip install requests).

    python examples/python_client.py                                  # make run's stack
    python examples/python_client.py https://tokens.example.com https://api.example.com

The client id and secret come from TOKENVEND_CLIENT_ID and TOKENVEND_CLIENT_SECRET
(default: the quickstart's client / secret), the scope from TOKENVEND_SCOPE (api1).
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import quote_plus

import requests


def token_endpoint(issuer: str) -> str:
    """The issuer's discovery document names its token endpoint (RFC 8414)."""
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()["token_endpoint"]


def get_token(issuer: str, client_id: str, client_secret: str, scope: str) -> dict:
    """client_secret_basic with the id and secret form-urlencoded before base64, as RFC 6749
    §2.3.1 says: what every server decodes (tokenvend also takes them raw, as
    ``auth=(client_id, client_secret)`` would send them)."""
    response = requests.post(
        token_endpoint(issuer),
        auth=(quote_plus(client_id), quote_plus(client_secret)),
        data={"grant_type": "client_credentials", "scope": scope},
        timeout=10,
    )
    if response.status_code != 200:  # RFC 6749 §5.2: error and error_description
        error = response.json()
        raise SystemExit(f"token refused: {error['error']}: {error.get('error_description', '')}")
    return response.json()  # access_token, token_type Bearer, expires_in, scope


def main(issuer: str = "http://127.0.0.1:3000", api: str = "http://127.0.0.1:3001") -> None:
    token = get_token(issuer, os.environ.get("TOKENVEND_CLIENT_ID", "client"),
                      os.environ.get("TOKENVEND_CLIENT_SECRET", "secret"), os.environ.get("TOKENVEND_SCOPE", "api1"))
    # A client caches the token for expires_in seconds instead of asking for one per call.
    response = requests.get(f"{api}/identity", headers={"Authorization": f"Bearer {token['access_token']}"},
                            timeout=10)
    response.raise_for_status()
    print(json.dumps(response.json(), indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:3])
