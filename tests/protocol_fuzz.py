"""Generated token requests and the rules every answer obeys (DESIGN.md "Token endpoint").

One generator and one oracle, used by the hypothesis test in the suite (in-process, through
API Gateway events) and by ``benchmarks/fuzz_token_endpoint.py`` (the local stack, over real
HTTP). The generator draws through a ``Chooser``, so hypothesis' ``draw`` and a seeded
``random.Random`` drive the same code.

The stack under test holds the IdentityServer quickstart: client ``client``, secret
``secret``, scope and resource ``api1``. A request is tagged ``good_credential`` only when
the generator put that exact credential in it; an answer 200 to any other is a violation.
"""

from __future__ import annotations

import base64
import json
import random
import re
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

TOKEN_PATH = "/connect/token"
FORM = "application/x-www-form-urlencoded"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NO_STORE = {"content-type": "application/json", "cache-control": "no-store", "pragma": "no-cache"}
ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
          "invalid_scope", "invalid_target", "server_error", "temporarily_unavailable"}
DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")
HOSTILE = ['"', "\\", "\r\n", "\x1b[2J", "\u202e", "\x00", "%", "+", " ", "'", "\ufffd", "😀"]
NAMES = ["grant_type", "client_id", "client_secret", "scope", "resource", "client_assertion",
         "client_assertion_type", "foo", "", "Grant_Type", "scope[]"]
METHODS = ["POST"] * 30 + ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO", "PROPFIND", "QUERY", "post"]
CONTENT_TYPES = [FORM] * 20 + [f"{FORM}; charset=UTF-8", f"{FORM};charset=ISO-8859-1", FORM.upper(),
                              "application/json", "text/plain", "multipart/form-data; boundary=x", None, ""]
BAD_SECRETS = ["secret\0", "secret\0\0", "secret\0" * 10, "Secret", "secret ", " secret", "secre", "secret%00",
               "secret\x7f", "sécret", "a" * 101, ""]


class RandomChooser:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def choice(self, options):
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def text(self, max_size: int) -> str:
        pool = "abcXYZ019-._~:/+%= " + "".join(HOSTILE)
        return "".join(self.rng.choice(pool) for _ in range(self.rng.randint(0, max_size)))


class DrawChooser:
    """The same interface over hypothesis' ``draw`` (strategies imported lazily)."""

    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw, self.st = draw, st

    def choice(self, options):
        return self.draw(self.st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.draw(self.st.integers(low, high))

    def text(self, max_size: int) -> str:
        pieces = self.st.characters(codec="utf-8") | self.st.sampled_from(HOSTILE)
        return "".join(self.draw(self.st.lists(pieces, max_size=max_size)))


@dataclass
class FuzzRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    base64_flag: bool = True  # API Gateway's isBase64Encoded (in-process only)
    bad_base64: bool = False
    good_credential: bool = False
    kind: str = ""

    def reproducer(self) -> str:
        return json.dumps({"method": self.method, "path": self.path, "headers": self.headers,
                           "body": self.body.decode("utf-8", "backslashreplace"), "kind": self.kind,
                           "isBase64Encoded": self.base64_flag, "bad_base64": self.bad_base64})


def basic(client_id: str, secret: str, scheme: str = "Basic") -> str:
    return f"{scheme} " + base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()


def _jwt_like(c) -> str:
    part = lambda obj: base64.urlsafe_b64encode(obj.encode()).rstrip(b"=").decode()  # noqa: E731
    claims = c.choice(['{"iss":"client","sub":"client","aud":"x","exp":1e400,"jti":"j"}',
                       '{"iss":"client","sub":"client","exp":' + "9" * 400 + '}', '{"nbf":1e400}', "[]", "null",
                       '{"iss":["client"]}'])
    header = c.choice(['{"alg":"RS256","kid":"k"}', '{"alg":"none"}', '{"alg":"HS256"}', '{}'])
    return ".".join([part(header), part(claims), c.choice(["", "c2ln", c.text(20)])])


def _credential(c, params: list, headers: dict) -> tuple[str, bool]:
    kind = c.choice(["basic-good", "basic-good", "post-good", "post-good", "basic-bad", "post-bad",
                     "malformed", "assertion", "both", "none"])
    if kind == "basic-good":
        headers["authorization"] = basic("client", "secret", c.choice(["Basic", "basic", "BASIC"]))
    elif kind == "post-good":
        params += [("client_id", "client"), ("client_secret", "secret")]
    elif kind == "basic-bad":
        headers["authorization"] = c.choice([basic("client", c.choice(BAD_SECRETS)), basic("Client", "secret"),
                                             basic(c.text(12), "secret"), basic("client", c.text(12) + "!")])
    elif kind == "post-bad":
        params += [("client_id", c.choice(["client", "Client", "", c.text(10)])),
                   ("client_secret", c.choice(BAD_SECRETS + [c.text(10) + "!"]))]
    elif kind == "malformed":
        encoded = base64.b64encode(b"client:secret").decode()
        headers["authorization"] = c.choice(["Basic", "Basic ", "Bearer x.y.z", "Basic\t" + encoded, "Basic !!!",
                                             "", "Digest a=b", "Basic " + base64.b64encode(b"nocolon").decode(),
                                             "Basic " + encoded + " x", c.text(30)])
    elif kind == "assertion":
        params += [("client_assertion_type", c.choice([JWT_BEARER, "x"])), ("client_assertion", _jwt_like(c))]
    elif kind == "both":
        headers["authorization"] = basic("client", "secret")
        params += [("client_id", "client"), ("client_secret", "secret")]
    return kind, kind in ("basic-good", "post-good")


def generate(c) -> FuzzRequest:
    """One request: method, content type, parameters (duplicated, oversized, hostile),
    a credential of some kind, and an encoding."""
    params: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    grant = c.choice(["client_credentials"] * 5 + [None, "password", "Client_Credentials", c.text(12)])
    if grant is not None:
        params.append(("grant_type", grant))
    kind, good = _credential(c, params, headers)
    for _ in range(c.choice([0, 0, 0, 1, 1, 2, 4])):
        name = c.choice(NAMES)
        value = c.choice(["api1", "urn:api1", "api1 api2", "", "x" * c.integer(90, 700), c.text(16),
                          "client_credentials", "https://elsewhere.example"])
        params.append((name, value))
    if c.integer(0, 30) == 0:
        params.append(("pad", "x" * 66000))
    order = c.choice(["keep", "reverse"])
    params = params[::-1] if order == "reverse" else params
    encoding = c.choice(["form"] * 12 + ["raw-percent", "binary", "plus-space"])
    if encoding == "form":
        body = "&".join(f"{quote_plus(k)}={quote_plus(v, safe='', errors='surrogatepass')}" for k, v in params)
    elif encoding == "raw-percent":
        body = "&".join(f"{k}={quote(v, safe=':/ ', errors='surrogatepass')}" for k, v in params) + c.choice(
            ["", "&%ZZ", "&x=%FF", "&&&", "&=", "&grant_type"])
    elif encoding == "plus-space":
        body = "&".join(f"{k}={v.replace(' ', '+')}" for k, v in params if v.isascii())
    else:
        body = None
    raw = c.text(40).encode("utf-8", "surrogatepass") + bytes([c.integer(0, 255)]) if body is None else \
        body.encode("utf-8", "surrogatepass")
    content_type = c.choice(CONTENT_TYPES)
    if content_type is not None:
        headers["content-type"] = content_type
    return FuzzRequest(c.choice(METHODS), TOKEN_PATH, headers, raw, base64_flag=c.choice([True, True, False]),
                       bad_base64=c.integer(0, 40) == 0, good_credential=good, kind=kind)


def violations(request: FuzzRequest, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """Every rule of DESIGN.md's token endpoint the answer breaks (empty: none)."""
    found = []
    headers = {k.lower(): v for k, v in headers.items()}
    if status >= 500:
        found.append(f"status {status}")
    for name, value in NO_STORE.items():
        if headers.get(name, "").split(";")[0].strip().lower() != value:
            found.append(f"header {name}: {headers.get(name)!r}")
    if request.method == "HEAD":
        document = None
    else:
        try:
            document = json.loads(body)
        except ValueError:
            return found + [f"body is not JSON: {body[:80]!r}"]
        if not isinstance(document, dict):
            return found + ["body is not a JSON object"]
    if status == 200:
        if not request.good_credential:
            found.append("a token for a request without the registered credential")
        if request.method.upper() != "POST":
            found.append(f"200 to {request.method}")
        if document is not None and set(document) != {"access_token", "token_type", "expires_in", "scope"}:
            found.append(f"success body members {sorted(document)}")
        return found
    if document is not None:
        if set(document) != {"error", "error_description"}:
            found.append(f"error body members {sorted(document)}")
        if document.get("error") not in ERRORS:
            found.append(f"error code {document.get('error')!r}")
        if not isinstance(document.get("error_description"), str) or not DESCRIPTION.fullmatch(
                document["error_description"]):
            found.append(f"error_description outside §5.2: {document.get('error_description')!r}")
        if b"eyJ" in body:
            found.append("a JWT in an error body")
    if status == 405 and (headers.get("allow") != "POST" or request.method == "POST"):
        found.append(f"405 with Allow {headers.get('allow')!r} to {request.method}")
    # (A front may upper-case a method: "post" over HTTP may arrive as POST.)
    if request.method.upper() != "POST" and status != 405:
        found.append(f"{status} to {request.method}, not 405")
    if status == 401 and "authorization" in request.headers and not headers.get("www-authenticate", "").startswith("Basic"):
        found.append("401 to an Authorization header without WWW-Authenticate: Basic")
    if status not in (400, 401, 405):
        found.append(f"status {status}")
    return found


def to_event(request: FuzzRequest, base: dict) -> dict:
    """The API Gateway HTTP API (payload 2.0) event for ``request``, built on ``base``."""
    event = json.loads(json.dumps(base))
    event["headers"] = {k: v for k, v in base["headers"].items() if k not in ("content-type", "authorization")}
    event["headers"].update(request.headers)
    event["requestContext"]["http"]["method"] = request.method
    event["rawPath"] = event["requestContext"]["http"]["path"] = request.path
    try:
        text = request.body.decode("utf-8")
        as_base64 = request.base64_flag
    except UnicodeDecodeError:
        text, as_base64 = None, True  # API Gateway sends a body that is not UTF-8 as base64
    event["isBase64Encoded"] = as_base64
    event["body"] = "@@not base64@@" if as_base64 and request.bad_base64 else (
        base64.b64encode(request.body).decode() if as_base64 else text)
    return event
