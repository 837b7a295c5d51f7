"""Stored client secrets: salted hashes, IdentityServer's Sha256(), constant-time checks."""

from __future__ import annotations

import pytest

from tokenvend.client_secrets import (
    generate_secret, hash_secret, identityserver_sha256, is_hash, is_weak, verify_secret,
)
from tokenvend.errors import InvalidClient
from tokenvend.model import Client, ClientSecret

from .world import make_world


def test_a_hash_verifies_its_secret_and_no_other():
    stored = hash_secret("correct horse battery staple")
    assert stored.startswith("pbkdf2-sha256$10000$")
    assert verify_secret("correct horse battery staple", stored)
    assert not verify_secret("correct horse battery stapl", stored)
    assert not verify_secret("", stored)


def test_hashes_are_salted():
    assert hash_secret("same") != hash_secret("same")
    assert hash_secret("same", salt=b"0" * 16) == hash_secret("same", salt=b"0" * 16)


def test_identityserver_sha256_matches_identityserver():
    # "secret".Sha256() in IdentityServer's quickstart
    assert identityserver_sha256("secret") == "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols="
    assert verify_secret("secret", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")
    assert verify_secret("secret", "sha256:K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")
    assert not verify_secret("Secret", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")


@pytest.mark.parametrize("stored", [
    "", "secret", "sha256:", "sha256:not base64!", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unol",
    "pbkdf2-sha256$10000$salt", "pbkdf2-sha256$many$c2FsdA==$aGFzaA==", "pbkdf2-sha256$10000$!!$aGFzaA==",
])
def test_a_malformed_stored_hash_never_verifies(stored):
    assert not is_hash(stored)
    assert verify_secret("secret", stored) is False


def test_a_hash_with_zero_iterations_is_malformed():
    stored = "pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA==$" + "A" * 43 + "="
    assert not is_hash(stored)
    assert verify_secret("secret", stored) is False


def test_a_client_with_an_unusable_stored_hash_is_only_refused():
    # GIVEN a client whose only stored secret is not a hash (a hand edit)
    world = make_world(clients=(Client("odd", secrets=(ClientSecret("plaintext-by-mistake"),),
                                       allowed_scopes=("orders.read",)),))
    _, audit = world.refuse(InvalidClient, world.post(grant_type="client_credentials", client_id="odd",
                                                      client_secret="plaintext-by-mistake"))
    assert audit.reasons == ["client_secret matches no stored hash"]


def test_generated_secrets_are_long_random_and_not_weak():
    secrets = {generate_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) >= 43 and not is_weak(s) for s in secrets)
    assert all(set(s) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for s in secrets)


def test_a_weak_secret_is_shorter_than_32_characters():
    assert is_weak("x" * 31) and not is_weak("x" * 32)
