"""``tokenvend explain`` never disagrees with the token endpoint.

Property: for any table state — scopes, resources and clients written as items directly,
around the loader, so undefined scopes, resource-only names, disabled records and expired
secrets all occur — and any request (scope string, resource list), explain's verdict (the
error code, or the granted scope and aud) equals what ``TokenEndpoint.handle`` answers
the same request presenting the client's real secret with client_secret_basic.
"""

from __future__ import annotations

from datetime import datetime, timezone

import jwt
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tokenvend.adapters.dynamodb_items import (
    ITEM_TO_RECORD, RECORD_TO_ITEM, client_key, config_item_kind, deserialize, serialize,
)
from tokenvend.audit import TokenAudit
from tokenvend.client_secrets import hash_secret
from tokenvend.errors import OAuthError
from tokenvend.model import CLIENT_CREDENTIALS, ApiResource, ApiScope, Catalog, Client, ClientSecret
from tokenvend.ports import StaticKey
from tokenvend.token_endpoint import TokenEndpoint
from tokenvend_cli.operate.explain import explain

from support import examples
from unit.fakes import LocalSigner, basic, form, http

ISSUER = "https://tokens.example.com"
SCOPE_NAMES = ["api1", "orders.read", "orders.write"]
RESOURCE_NAMES = ["api1", "https://orders.example.com", "urn:reports"]
NAMES = sorted(set(SCOPE_NAMES + RESOURCE_NAMES + ["undefined"]))
SECRETS = {client_id: f"{client_id}-secret" for client_id in ("c1", "c2")}
HASHES = {client_id: hash_secret(secret) for client_id, secret in SECRETS.items()}  # once: PBKDF2 is slow
PAST, FUTURE = datetime(2001, 1, 1, tzinfo=timezone.utc), datetime(2099, 1, 1, tzinfo=timezone.utc)
SIGNER = LocalSigner("ES256")


class ItemStore:
    """The table as items in a dict, read back the way DynamoDBStore reads them."""

    def __init__(self, records):
        items = [deserialize(serialize(RECORD_TO_ITEM[kind](record))) for kind, record in records]
        self.items = {(item["pk"], item["sk"]): item for item in items}

    def get_client(self, client_id, *, fresh=False):
        item = self.items.get(tuple(client_key(client_id).values()))
        return ITEM_TO_RECORD["client"](item) if item else None

    def get_catalog(self, *, fresh=False):
        kinds = [(config_item_kind(i), i) for i in self.items.values()]
        return Catalog.of([ITEM_TO_RECORD[k](i) for k, i in kinds if k == "api_scope"],
                          [ITEM_TO_RECORD[k](i) for k, i in kinds if k == "api_resource"])


names = st.sampled_from(NAMES)
mostly_true = st.sampled_from([True] * 5 + [False])
api_scopes = st.lists(st.builds(ApiScope, st.sampled_from(SCOPE_NAMES), enabled=mostly_true),
                      max_size=3, unique_by=lambda s: s.name)
api_resources = st.lists(
    st.builds(ApiResource, st.sampled_from(RESOURCE_NAMES), scopes=st.lists(names, max_size=3).map(tuple),
              enabled=mostly_true, require_resource_indicator=st.booleans()),
    max_size=3, unique_by=lambda r: r.name)
clients = st.lists(
    st.builds(lambda client_id, enabled, grants, allowed, expiration: Client(
        client_id, enabled=enabled, secrets=(ClientSecret(HASHES[client_id], expiration=expiration),),
        allowed_grant_types=grants, allowed_scopes=tuple(allowed)),
        st.sampled_from(sorted(SECRETS)), mostly_true, st.sampled_from([(CLIENT_CREDENTIALS,)] * 5 + [()]),
        st.lists(st.sampled_from(SCOPE_NAMES) | names, max_size=4), st.sampled_from([None] * 4 + [FUTURE, PAST])),
    min_size=1, max_size=2, unique_by=lambda c: c.client_id)
requested = st.sampled_from(SCOPE_NAMES) | names  # mostly names that can be granted
scope_parameter = st.none() | st.lists(requested, max_size=3).map(" ".join) | \
    st.lists(requested, min_size=1, max_size=3).map(lambda n: "  " + "  ".join(n) + " ")
# "" too: §3.1 says an empty parameter counts as omitted, and explain must read it so.
resource_parameters = st.lists(st.sampled_from(RESOURCE_NAMES + ["urn:unknown", ""]), max_size=2)


@st.composite
def client_ids(draw, clients):
    """Mostly a client of the table, sometimes one it does not have."""
    return draw(st.sampled_from([c.client_id for c in clients] * 6 + ["nobody"]))


def endpoint_verdict(store, client_id, scope, resources) -> dict:
    params = [("grant_type", CLIENT_CREDENTIALS)] + ([("scope", scope)] if scope is not None else []) \
        + [("resource", r) for r in resources]
    request = http(form(*params), authorization=basic(client_id, SECRETS.get(client_id, "no-such-secret")))
    try:
        body = TokenEndpoint(store, store, StaticKey(SIGNER)).handle(request, ISSUER, TokenAudit())
    except OAuthError as err:
        return {"error": err.error}
    claims = jwt.decode(body["access_token"], SIGNER.public_key, algorithms=["ES256"],
                        options={"verify_aud": False})
    return {"scope": body["scope"], "aud": claims["aud"]}


BROKEN_QUICKSTART = dict(
    api_scopes=[], api_resources=[ApiResource("api1")],
    clients=[Client("c1", secrets=(ClientSecret(HASHES["c1"]),), allowed_scopes=("api1",))])


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(api_scopes=api_scopes, api_resources=api_resources, clients=clients, data=st.data(),
       scope=scope_parameter, resources=resource_parameters)
@example(**BROKEN_QUICKSTART, data=None, scope="api1", resources=[])
@example(**BROKEN_QUICKSTART, data=None, scope=None, resources=["api1"])
def test_explain_gives_the_token_endpoints_answer(api_scopes, api_resources, clients, data, scope, resources):
    client_id = data.draw(client_ids(clients), label="client_id") if data is not None else "c1"
    store = ItemStore([("api_scope", s) for s in api_scopes] + [("api_resource", r) for r in api_resources]
                      + [("client", c) for c in clients])

    explained = explain(store, store, client_id, scope, resources, ISSUER)

    answer = endpoint_verdict(store, client_id, scope, resources)
    event(answer.get("error", "issued"))  # --hypothesis-show-statistics: every outcome occurs
    assert explained.verdict == answer
