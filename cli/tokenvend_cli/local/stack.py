"""The local stack's AWS side: a moto server standing in for DynamoDB and KMS, the
template's table and signing key created on it (``provision``), a config written to
the table (``seed``), and the environment that points the functions at it."""

from __future__ import annotations

import json
import os
import shlex
import threading
from pathlib import Path
from urllib.parse import quote_plus

import boto3
from .front import WsgiServer, listen
from .provision import provision
from .seed import seed
from .template import FunctionSpec, Template

REGION = "us-east-1"
# moto accepts any credentials; fixed fake ones keep a developer's real ones out of it.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Shell settings that would send boto3 elsewhere or mix real credentials in.
FOREIGN_AWS_SETTINGS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


class MotoServer:
    """moto's server app on its own thread, bound in the caller's thread so a busy port
    raises OSError at once (moto's ThreadedMotoServer would wait forever). It keeps
    connections alive, as AWS does, so the functions' clients reuse theirs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: tuple[str, str] | None = None):
        """``tls`` (a certificate file and its key file) serves https, as AWS does:
        benchmarks/cold_answer.py has a cold function pay its TLS set-up."""
        from moto.moto_server.werkzeug_app import create_backend_app

        sock = listen(host, port)
        self.host, self.port = sock.getsockname()[:2]
        self.scheme = "https" if tls else "http"
        self._server = WsgiServer(_dispatcher()(create_backend_app), sock, server_name="moto", tls=tls)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def _dispatcher():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    class Dispatcher(DomainDispatcherApplication):
        """moto's dispatcher, remembering which backend serves a host name: moto's own
        answers that by listing its package's directories on every request, which cost a
        sixth of the stack's CPU per token in KMS mode. The answer depends on the host alone."""

        def __init__(self, create_app):
            super().__init__(create_app)
            self.backend_by_host = {}

        def get_backend_for_host(self, host):
            if host not in self.backend_by_host:  # moto calls this under its own lock
                self.backend_by_host[host] = super().get_backend_for_host(host)
            return self.backend_by_host[host]

    return Dispatcher


def without_foreign_aws_settings() -> None:
    """Drop the shell's AWS profile, session token and per-service endpoints from this process."""
    for name in list(os.environ):
        if name in FOREIGN_AWS_SETTINGS or name.startswith("AWS_ENDPOINT_URL_"):
            del os.environ[name]


def local_client(service: str, endpoint_url: str, region: str = REGION):
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def provision_local(template: Template, endpoint_url: str, region: str = REGION) -> dict:
    """Create the template's table and key on the endpoint; their physical ids by logical id."""
    return provision(template, local_client("dynamodb", endpoint_url, region), local_client("kms", endpoint_url, region))


def seed_local(config, table: str, endpoint_url: str, region: str = REGION) -> None:
    seed(local_client("dynamodb", endpoint_url, region), table, config)


def local_environment(spec: FunctionSpec, endpoint_url: str, region: str, issuer: str) -> dict[str, str]:
    """What the local stack adds to a function's template variables: the moto endpoint,
    fake credentials, and the local issuer unless the template run already has one."""
    env = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region, **LOCAL_CREDENTIALS}
    if not spec.environment.get("TOKENVEND_ISSUER"):
        env["TOKENVEND_ISSUER"] = issuer
    # CloudWatch EMF blobs on the terminal drown the log lines; --env-vars can turn them back on.
    env.setdefault("POWERTOOLS_METRICS_DISABLED", spec.environment.get("POWERTOOLS_METRICS_DISABLED", "true"))
    return env


def table_and_key(template: Template) -> tuple[str, str]:
    """The physical table name and signing key ARN: those the functions' variables name."""
    table = next(lid for lid in template.of_type("AWS::DynamoDB::Table"))
    key = next(lid for lid in template.of_type("AWS::KMS::Key"))
    return template.physical[table]["Ref"], template.physical[key]["Arn"]


def demo_client(config_path: Path, config) -> tuple[str, str, str] | None:
    """(client_id, plain secret, allowed scopes) of the config's first client_credentials
    client with a plain secret — only in a development config, where plain secrets are
    in the file for this purpose."""
    import yaml

    if not config.development:
        return None
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (OSError, yaml.YAMLError):
        return None
    for client in (raw or {}).get("clients") or []:
        if "client_credentials" not in (client.get("allowed_grant_types") or []):
            continue
        for secret in client.get("secrets") or []:
            if isinstance(secret, dict) and secret.get("value"):
                return str(client["client_id"]), str(secret["value"]), " ".join(client.get("allowed_scopes") or [])
    return None


def demo_curl(client: tuple[str, str, str] | None, token_endpoint: str) -> str:
    """A curl that gets a token for ``client`` (placeholders without one)."""
    client_id, secret, scope = client or ("CLIENT_ID", "SECRET", "")
    if quote_plus(client_id) == client_id and quote_plus(secret) == secret:
        auth = ["-u", f"{client_id}:{secret}"]  # client_secret_basic; nothing to form-encode (RFC 6749 §2.3.1)
    else:  # client_secret_post, url-encoded by curl itself
        auth = ["--data-urlencode", f"client_id={client_id}", "--data-urlencode", f"client_secret={secret}"]
    args = ["curl", "-s", *auth, "-d", "grant_type=client_credentials"]
    if scope:
        args += ["-d", f"scope={scope}"] if quote_plus(scope) == scope else ["--data-urlencode", f"scope={scope}"]
    return shlex.join([*args, token_endpoint])


def read_json_event(path: str | Path) -> dict:
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON file: {exc}") from None
    if not isinstance(event, dict):
        raise ValueError(f"{path}: an event is a JSON object")
    return event
