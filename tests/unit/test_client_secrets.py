"""Stored client secrets: salted hashes, IdentityServer's Sha256(), constant-time checks."""

from __future__ import annotations

import pytest

from tokenvend import client_secrets
from tokenvend.client_secrets import (
    SECRET_SLOTS, generate_secret, hash_secret, identityserver_sha256, is_hash, is_weak, pbkdf2_hash,
    verify_in_slots, verify_secret,
)
from tokenvend.errors import InvalidClient
from tokenvend.model import Client, ClientSecret

from .world import make_world


def test_a_hash_verifies_its_secret_and_no_other():
    stored = hash_secret("correct horse battery staple")
    assert stored.startswith("hmac-sha256$")
    assert verify_secret("correct horse battery staple", stored)
    assert not verify_secret("correct horse battery stapl", stored)
    assert not verify_secret("", stored)


def test_the_stored_form_is_hmac_sha256_keyed_by_the_salt_over_the_secret():
    # HMAC-SHA256(key=b"0"*16, msg=b"secret"), computed independently with `openssl dgst`
    assert hash_secret("secret", salt=b"0" * 16) == (
        "hmac-sha256$MDAwMDAwMDAwMDAwMDAwMA==$" + __import__("base64").b64encode(
            __import__("hmac").new(b"0" * 16, b"secret", "sha256").digest()).decode())


def test_hashes_are_salted():
    assert hash_secret("same") != hash_secret("same")
    assert hash_secret("same", salt=b"0" * 16) == hash_secret("same", salt=b"0" * 16)


@pytest.mark.parametrize("make", [hash_secret, pbkdf2_hash, identityserver_sha256], ids=["hmac", "pbkdf2", "sha256"])
@pytest.mark.parametrize("variant", ["secret\0", "secret\0\0", "secret\x7f", "secret\n"])
def test_a_secret_with_appended_nul_or_control_characters_never_verifies(make, variant):
    # PBKDF2's HMAC pads a short key with zeros: "secret" and "secret\0\0" were one key.
    assert not verify_secret(variant, make("secret"))
    assert verify_secret("secret", make("secret"))


def test_a_long_secrets_digest_does_not_verify_for_it():
    # HMAC replaces a key longer than its 64-byte block by the key's SHA-256 digest.
    long = "L" * 65
    digest = __import__("hashlib").sha256(long.encode()).digest().decode("latin-1")
    assert not verify_secret(digest, hash_secret(long))
    assert not verify_secret(digest, pbkdf2_hash(long))


def test_every_existing_pbkdf2_value_keeps_verifying():
    stored = "pbkdf2-sha256$10000$MDAwMDAwMDAwMDAwMDAwMA==$" + __import__("base64").b64encode(
        __import__("hashlib").pbkdf2_hmac("sha256", b"legacy-secret", b"0" * 16, 10000)).decode()
    assert is_hash(stored)
    assert verify_secret("legacy-secret", stored)
    assert verify_secret("legacy-secret", stored)  # the second time from the container's memory
    assert not verify_secret("legacy-secreT", stored)


def test_a_remembered_pbkdf2_verification_is_no_pbkdf2_call(monkeypatch):
    stored = pbkdf2_hash("warm-legacy-secret")
    assert verify_secret("warm-legacy-secret", stored)
    calls = []
    monkeypatch.setattr(client_secrets, "_pbkdf2", lambda *a: calls.append(a) or b"")
    assert verify_secret("warm-legacy-secret", stored)
    assert calls == []
    assert not verify_secret("warm-legacy-secreT", stored)  # a wrong one is never remembered
    assert len(calls) == 1


@pytest.mark.parametrize("stored_count", [0, 1, 2, SECRET_SLOTS])
def test_every_verification_fills_the_same_number_of_slots(monkeypatch, stored_count):
    # GIVEN a client with 0 (unknown), 1, 2 or the maximum number of secrets
    stored = [hash_secret(f"secret-{i}") for i in range(stored_count)]
    seen = []
    real = client_secrets._verify
    monkeypatch.setattr(client_secrets, "_verify", lambda s, h: seen.append(h) or real(s, h))
    # WHEN a wrong secret is presented
    assert verify_in_slots(["wrong"], stored) == []
    # THEN exactly SECRET_SLOTS comparisons ran, every one of the same stored form
    assert len(seen) == SECRET_SLOTS
    assert {h.split("$")[0] for h in seen} == {"hmac-sha256"}


def test_slots_report_which_stored_secret_matched():
    stored = [hash_secret("first"), hash_secret("second")]
    assert verify_in_slots(["second", "nope"], stored) == [(0, 1)]


def test_identityserver_sha256_matches_identityserver():
    # "secret".Sha256() in IdentityServer's quickstart
    assert identityserver_sha256("secret") == "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols="
    assert verify_secret("secret", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")
    assert verify_secret("secret", "sha256:K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")
    assert not verify_secret("Secret", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")


@pytest.mark.parametrize("stored", [
    "", "secret", "sha256:", "sha256:not base64!", "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unol",
    "pbkdf2-sha256$10000$salt", "pbkdf2-sha256$many$c2FsdA==$aGFzaA==", "pbkdf2-sha256$10000$!!$aGFzaA==",
    "hmac-sha256$", "hmac-sha256$c2FsdA==", "hmac-sha256$$" + "A" * 43 + "=", "hmac-sha256$c2FsdA==$aGFzaA==",
    "hmac-sha256$!!$" + "A" * 43 + "=",
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
    assert is_weak(generate_secret()[:31])
    assert not is_weak("vR7kQ2xN9pL4wZ8mT1cY6hB3fJ0sD5gA")


@pytest.mark.parametrize("secret", [
    "a" * 40, "ab" * 20, "abcdefghijklmnopqrstuvwxyz0123456789", "0123456789abcdef" * 2,
    "password1234567890password1234567890", "Secret123Secret123Secret123Secret123", "9876543210" * 4,
])
def test_a_long_but_low_entropy_secret_is_weak(secret):
    assert len(secret) >= 32
    assert is_weak(secret)


@pytest.mark.parametrize("secret", [
    "7f3a9c0e5b2d4f8a1c6e9b3d7a0f5c2e",  # 128 random bits in hex
    "3e2f0b1a-9c4d-4e7f-8a6b-5d1c0e9f2a7b",  # a UUID
    "vR7-kQ2_xN9pL4wZ8mT1cY6hB3fJ0sD5gA-eU",
])
def test_a_random_looking_secret_of_32_or_more_characters_is_not_weak(secret):
    assert not is_weak(secret)
