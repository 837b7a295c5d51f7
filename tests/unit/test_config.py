"""The config loader: every problem at once, each with its field path (DESIGN.md "Model")."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from tokenvend.client_secrets import HMAC_PREFIX, identityserver_sha256, verify_secret
from tokenvend.config import ConfigError, load_config, parse_config
from tokenvend.model import ApiResource, ApiScope
from tokenvend.signing_limits import KMS_RAW_MESSAGE_LIMIT, worst_case_signing_input_size

from .fakes import InMemoryStore
from .world import APP, app_params, make_world

STRONG = "a-strong-secret-of-forty-characters-0123"
QUICKSTART = {
    "development": True,
    "api_scopes": [{"name": "api1", "display_name": "My API"}],
    "api_resources": [{"name": "api1", "scopes": ["api1"]}],
    "clients": [{"client_id": "client", "secrets": [{"value": "secret"}],
                 "allowed_grant_types": ["client_credentials"], "allowed_scopes": ["api1"]}],
}


def problems(data) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert str(info.value).startswith("invalid config:\n")
    return info.value.problems


def with_client(**fields) -> dict:
    """A valid production config whose one client has these fields changed."""
    client = {"client_id": "c", "secrets": [{"value": STRONG}], "allowed_scopes": ["api1"], **fields}
    return {"api_scopes": [{"name": "api1"}], "api_resources": [{"name": "urn:api1", "scopes": ["api1"]}],
            "clients": [client]}


def test_the_quickstart_loads_with_its_secret_hashed():
    config = parse_config(QUICKSTART)
    assert config.development is True
    assert config.catalog.api_scopes == {"api1": ApiScope("api1", "My API")}
    assert config.catalog.api_resources == {"api1": ApiResource("api1", scopes=("api1",))}
    [secret] = config.clients[0].secrets
    assert secret.hash.startswith("hmac-sha256$") and "secret" not in secret.hash
    assert verify_secret("secret", secret.hash)


def test_the_quickstart_issues_a_token_through_the_fakes():
    # GIVEN the in-memory store built from the loaded quickstart
    world = make_world(store=InMemoryStore.from_config(parse_config(QUICKSTART)))
    body, audit = world.token(world.post(grant_type="client_credentials", client_id="client",
                                         client_secret="secret", scope="api1"))
    assert (body["scope"], audit.aud) == ("api1", "api1")


def test_the_broken_quickstart_is_refused_with_the_fix():
    # GIVEN IdentityServer 4's quickstart mistake: api1 is only an ApiResource
    broken = {**QUICKSTART, "api_scopes": [], "api_resources": [{"name": "api1"}]}
    assert problems(broken) == [
        "clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope "
        "'api1' and list it in the resource's scopes"]


def test_every_problem_is_reported_at_once_with_its_path():
    data = {
        "api_scopes": [{"name": "api1"}, {"name": "api1"}, {"name": "bad scope", "colour": "red"}],
        "api_resources": [{"name": "urn:r", "scopes": ["api1", "api2"]}],
        "clients": [{"client_id": "c", "secrets": [{"value": "short"}], "allowed_grant_types": ["password"],
                     "allowed_scopes": ["api3"], "access_token_lifetime": 0}],
    }
    assert sorted(problems(data)) == sorted([
        "api_scopes[1].name: 'api1' is defined twice",
        "api_scopes[2].colour: unknown field",
        "api_scopes[2].name: 'bad scope' is not an RFC 6749 scope-token (no spaces, quotes or backslashes)",
        "api_resources[0].scopes[1]: 'api2' is not a defined api scope",
        "clients[0].secrets[0].value: secret is shorter than 32 characters; use a generated secret "
        "(tokenvend client secret add) or mark the file 'development: true'",
        "clients[0].allowed_grant_types[0]: 'password' is not supported (only client_credentials)",
        "clients[0].allowed_scopes[0]: 'api3' is not a defined api scope",
        "clients[0].access_token_lifetime: must be a whole number of seconds from 1 to 86400",
    ])


@pytest.mark.parametrize("prefix,name,full", [("", "iss", "iss"), ("", "scope", "scope"),
                                              ("client_", "id", "client_id"), ("", "jti", "jti")])
def test_reserved_claim_names_are_refused(prefix, name, full):
    data = with_client(client_claims_prefix=prefix, claims={name: "x", "tier": "gold"})
    assert problems(data) == [f"clients[0].claims.{name}: '{full}' is a reserved JWT claim name"]


def test_a_reserved_name_is_refused_even_behind_a_prefix():
    # 'client_sub' is harmless as a name, but 'sub' itself is what the operator meant to set
    assert problems(with_client(claims={"sub": "x"})) == [
        "clients[0].claims.sub: 'sub' is a reserved JWT claim name"]


def test_allowed_claims_are_kept_in_order():
    config = parse_config(with_client(claims={"tier": "gold", "regions": ["eu", "us"]}))
    assert config.clients[0].claims == (("tier", "gold"), ("regions", ("eu", "us")))


def test_a_weak_secret_is_refused_outside_development():
    assert problems(with_client(secrets=[{"value": "x" * 31}])) == [
        "clients[0].secrets[0].value: secret is shorter than 32 characters; use a generated secret "
        "(tokenvend client secret add) or mark the file 'development: true'"]


def test_a_weak_secret_is_accepted_in_development():
    config = parse_config({**with_client(secrets=[{"value": "secret"}]), "development": True})
    assert verify_secret("secret", config.clients[0].secrets[0].hash)


def test_a_32_character_random_secret_is_not_weak():
    parse_config(with_client(secrets=[{"value": "vR7kQ2xN9pL4wZ8mT1cY6hB3fJ0sD5gA"}]))


def test_a_long_low_entropy_secret_is_refused_outside_development():
    # 'a' * 40 is 40 characters, and still one character
    assert problems(with_client(secrets=[{"value": "a" * 40}])) == [
        "clients[0].secrets[0].value: secret has under 112 bits of estimated entropy (repeated, "
        "sequential or few kinds of characters); use a generated secret (tokenvend client secret add) "
        "or mark the file 'development: true'"]


def test_a_secret_outside_vschar_is_refused_even_in_development():
    data = {**with_client(secrets=[{"value": "caf\u00e9-" + "vR7kQ2xN9pL4wZ8mT1cY6hB3fJ0sD5gA"}]), "development": True}
    assert problems(data) == [
        "clients[0].secrets[0].value: may hold only printable ASCII (RFC 6749 Appendix A.2: "
        "client-secret = *VSCHAR, %x20-7E)"]


def test_a_client_with_more_secrets_than_slots_is_refused():
    data = with_client(secrets=[{"hash": identityserver_sha256(f"s{i}")} for i in range(6)])
    assert problems(data) == ["clients[0].secrets: holds 6 secrets; at most 5 (enough for a rollover)"]


@pytest.mark.parametrize("where,data,path", [
    ("top", {**with_client(), "extra": 1}, "(top level).extra"),
    ("scope", {**with_client(), "api_scopes": [{"name": "api1", "colour": "red"}]}, "api_scopes[0].colour"),
    ("resource", {**with_client(), "api_resources": [{"name": "urn:api1", "audience": "x"}]},
     "api_resources[0].audience"),
    ("client", with_client(grant_types=["client_credentials"]), "clients[0].grant_types"),
    ("secret", with_client(secrets=[{"value": STRONG, "type": "SharedSecret"}]), "clients[0].secrets[0].type"),
])
def test_unknown_fields_are_refused(where, data, path):
    assert problems(data) == [f"{path}: unknown field"]


def test_duplicate_names_are_refused():
    data = with_client()
    data["api_scopes"] *= 2
    data["api_resources"] *= 2
    data["clients"] *= 2
    assert problems(data) == [
        "api_scopes[1].name: 'api1' is defined twice",
        "api_resources[1].name: 'urn:api1' is defined twice",
        "clients[1].client_id: 'c' is defined twice",
    ]


@pytest.mark.parametrize("name", ["api 1", 'api"1', "api\\1", "café", "tab\there"])
def test_scope_names_must_be_scope_tokens(name):
    data = {"api_scopes": [{"name": name}]}
    assert problems(data) == [
        f"api_scopes[0].name: {name!r} is not an RFC 6749 scope-token (no spaces, quotes or backslashes)"]


def test_every_scope_token_character_is_accepted():
    name = "".join(chr(c) for c in [0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)])
    assert parse_config({"api_scopes": [{"name": name}]}).api_scopes[0].name == name


@pytest.mark.parametrize("secret", [{"value": STRONG, "hash": identityserver_sha256(STRONG)}, {"description": "x"}])
def test_a_secret_gives_exactly_one_of_value_and_hash(secret):
    assert problems(with_client(secrets=[secret])) == [
        "clients[0].secrets[0]: give exactly one of 'value' (plaintext, hashed on load) or 'hash'"]


def test_a_hash_is_stored_as_given():
    stored = identityserver_sha256("secret")
    config = parse_config(with_client(secrets=[{"hash": stored, "description": "imported"}]))
    [secret] = config.clients[0].secrets
    assert (secret.hash, secret.description, secret.plaintext) == (stored, "imported", None)


ZERO_ITERATIONS = "pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA==$" + "A" * 43 + "="


@pytest.mark.parametrize("stored", [
    "secret", "sha256:short", "pbkdf2-sha256$x$abc$def", 42,
    ZERO_ITERATIONS,
])
def test_a_malformed_hash_is_refused(stored):
    assert problems(with_client(secrets=[{"hash": stored}])) == [
        "clients[0].secrets[0].hash: is not a tokenvend hmac-sha256 or pbkdf2-sha256 hash or an IdentityServer Sha256() value"]


@pytest.mark.parametrize("value,expected", [
    ("2030-01-02", datetime(2030, 1, 2, tzinfo=timezone.utc)),
    ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
])
def test_a_secret_expiration_is_read_as_utc(value, expected):
    config = parse_config(with_client(secrets=[{"value": STRONG, "expiration": value}]))
    assert config.clients[0].secrets[0].expiration == expected


def test_an_unreadable_expiration_is_refused():
    assert problems(with_client(secrets=[{"value": STRONG, "expiration": "soon"}])) == [
        "clients[0].secrets[0].expiration: 'soon' is not an ISO 8601 date or date-time"]


def test_a_client_whose_token_could_exceed_the_kms_limit_is_refused():
    # GIVEN a client allowed 25 scopes of 150 characters
    names = [f"s{i:02d}" + "x" * 147 for i in range(25)]
    data = {"api_scopes": [{"name": n} for n in names], "api_resources": [{"name": "urn:r", "scopes": names}],
            "clients": [{"client_id": "c", "secrets": [{"value": STRONG}], "allowed_scopes": names}]}
    [problem] = problems(data)
    match = re.fullmatch(r"clients\[0\]: a token for this client could need a (\d+)-byte signing input, "
                         r"over KMS's 4096-byte RAW limit; allow fewer scopes or claims", problem)
    assert match and int(match.group(1)) > KMS_RAW_MESSAGE_LIMIT


def test_the_worst_case_size_bounds_a_real_token():
    # GIVEN a client given every scope it is allowed, with the implicit audience
    world = make_world()
    body, _ = world.token(world.post(**app_params()))
    assert body["scope"] == "orders.read orders.write invoices.read"
    signing_input = body["access_token"].rsplit(".", 1)[0]
    assert len(signing_input) <= worst_case_signing_input_size(APP, world.store.catalog)


def test_load_config_reads_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "tokenvend.yaml"
    yaml_file.write_text("development: true\napi_scopes:\n  - name: api1\n", encoding="utf-8")
    json_file = tmp_path / "tokenvend.json"
    json_file.write_text(json.dumps(QUICKSTART), encoding="utf-8")
    assert load_config(yaml_file).api_scopes == (ApiScope("api1"),)
    assert load_config(json_file).clients[0].client_id == "client"


def test_load_config_reports_a_file_that_does_not_parse(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("api_scopes: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}: not valid yaml: ")


def test_load_config_reports_the_broken_quickstart_file(tmp_path):
    path = tmp_path / "quickstart-broken.yaml"
    path.write_text("development: true\napi_resources:\n  - name: api1\nclients:\n  - client_id: client\n"
                    "    secrets:\n      - value: secret\n    allowed_scopes: [api1]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [
        "clients[0].allowed_scopes[0]: 'api1' is an api resource, not an api scope — add an api scope "
        "'api1' and list it in the resource's scopes"]


def with_resource(**fields) -> dict:
    """One scope and one api resource holding it, with these extra fields."""
    return {"api_scopes": [{"name": "orders.read"}],
            "api_resources": [{"name": "https://orders.example.com", "scopes": ["orders.read"], **fields}]}


def test_an_api_resource_has_hashed_secrets_like_a_client():
    # IdentityServer's ApiSecrets: several at once, each with a description and an expiry
    config = parse_config(with_resource(secrets=[
        {"value": STRONG, "description": "introspection 2026", "expiration": "2027-01-01"},
        {"hash": identityserver_sha256("imported-api-secret")}]))
    first, second = config.api_resources[0].secrets
    assert verify_secret(STRONG, first.hash) and first.hash.startswith(HMAC_PREFIX + "$")
    assert (first.description, first.expiration) == ("introspection 2026", datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert verify_secret("imported-api-secret", second.hash)


def test_a_weak_resource_secret_is_refused_outside_development_with_its_path():
    assert problems(with_resource(secrets=[{"value": "secret"}, {"hash": "nope"}, "x"])) == [
        "api_resources[0].secrets[0].value: secret is shorter than 32 characters; use a generated secret "
        "(tokenvend resource secret add) or mark the file 'development: true'",
        "api_resources[0].secrets[1].hash: is not a tokenvend hmac-sha256 or pbkdf2-sha256 hash or an IdentityServer Sha256() value",
        "api_resources[0].secrets[2]: must be a mapping with 'value' or 'hash'"]
    config = parse_config({**with_resource(secrets=[{"value": "secret"}]), "development": True})
    assert verify_secret("secret", config.api_resources[0].secrets[0].hash)


def test_a_resource_that_introspects_has_a_name_usable_as_a_client_id():
    long_name = "urn:" + "x" * 97
    data = with_resource(secrets=[{"value": STRONG}])
    data["api_resources"][0]["name"] = long_name
    assert problems(data) == [
        "api_resources[0].secrets: a resource that introspects authenticates with its name as the client_id, "
        "at most 100 characters; this name is longer"]
