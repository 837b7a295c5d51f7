"""Fixtures of the unit tests: the pure core with hand-written fakes, no AWS."""

import pytest

from .world import World, make_world


@pytest.fixture
def world() -> World:
    """The default catalog and clients behind a TokenEndpoint with an RS256 local signer."""
    return make_world()
