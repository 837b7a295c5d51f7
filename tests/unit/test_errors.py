"""OAuth errors as data: one class per RFC 6749 §5.2 code, plus RFC 8707's invalid_target."""

from __future__ import annotations

import pytest

from tokenvend import errors
from tokenvend.errors import error_body, error_headers

NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


@pytest.mark.parametrize("error_class,code,status", [
    (errors.InvalidRequest, "invalid_request", 400),
    (errors.InvalidClient, "invalid_client", 401),
    (errors.InvalidGrant, "invalid_grant", 400),
    (errors.UnauthorizedClient, "unauthorized_client", 400),
    (errors.UnsupportedGrantType, "unsupported_grant_type", 400),
    (errors.InvalidScope, "invalid_scope", 400),
    (errors.InvalidTarget, "invalid_target", 400),
    (errors.ServerError, "server_error", 500),
    (errors.TemporarilyUnavailable, "temporarily_unavailable", 503),
    (errors.MethodNotAllowed, "invalid_request", 405),
])
def test_each_error_class_has_its_code_and_status(error_class, code, status):
    err = error_class("what went wrong")
    assert isinstance(err, errors.OAuthError)
    assert (err.error, err.status_code, err.description) == (code, status, "what went wrong")
    assert error_body(err) == {"error": code, "error_description": "what went wrong"}
    assert error_headers(err) == NO_STORE


def test_reasons_and_hints_stay_out_of_the_body():
    err = errors.InvalidScope("Refused scope 'x'.", reasons=["'x' unknown"], hints=["define x"])
    assert (err.reasons, err.hints) == (["'x' unknown"], ["define x"])
    assert error_body(err) == {"error": "invalid_scope", "error_description": "Refused scope 'x'."}


def test_an_error_header_is_added_to_the_no_store_headers():
    err = errors.TemporarilyUnavailable("Throttled.", headers={"Retry-After": "1"})
    assert error_headers(err) == {**NO_STORE, "Retry-After": "1"}
