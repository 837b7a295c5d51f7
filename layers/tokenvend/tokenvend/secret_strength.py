"""Whether a plain client secret is too weak for a production config (``tokenvend.config``).

Length alone is not enough (``'a' * 40`` is 40 characters and one character), and a
password meter's dictionaries are more than a config loader should carry; so the rule is
short and documented: at least 32 characters **and** at least 112 estimated bits (NIST
SP 800-57's minimum security strength), where the estimate collapses repeats, runs and
sequences and counts the character classes drawn on (``estimated_bits``). Generated
secrets (``client_secrets.generate_secret``: 43 URL-safe characters, 256 random bits)
always pass; dictionary words are not recognised, which the README says.
"""

from __future__ import annotations

import math

WEAK_SECRET_LENGTH = 32
MIN_SECRET_BITS = 112  # NIST SP 800-57's minimum security strength


def _run_length(secret: str, i: int) -> int:
    """Length of the run of constant code-point step 0 or ±1 starting at ``i``."""
    if i + 1 >= len(secret) or abs(step := ord(secret[i + 1]) - ord(secret[i])) > 1:
        return 1
    end = i + 1
    while end + 1 < len(secret) and ord(secret[end + 1]) - ord(secret[end]) == step:
        end += 1
    return end - i + 1


def _novel_length(secret: str) -> int:
    """Characters left when each repeat of an earlier substring (3+ characters) and each
    run of consecutive code points (``abcd``, ``4321``, ``aaaa``) counts as one."""
    count, i = 0, 0
    while i < len(secret):
        step = 1
        for k in range(len(secret) - i, 2, -1):
            if secret[i:i + k] in secret[:i]:
                step = k
                break
        run = _run_length(secret, i)
        i += max(step, run if run >= 3 else 1)
        count += 1
    return count


def _pool(secret: str) -> int:
    classes = (str.islower, str.isupper, str.isdigit)
    size = sum(n for test, n in zip(classes, (26, 26, 10)) if any(test(c) and c.isascii() for c in secret))
    if any(not (c.isascii() and c.isalnum()) for c in secret):
        size += 33
    return max(size, 2)


def estimated_bits(secret: str) -> float:
    """A documented lower-bound guess of a secret's entropy: its novel characters (repeats,
    runs and sequences collapsed) times log2 of the
    character classes it draws on (lower, upper, digits, other printable ASCII)."""
    return _novel_length(secret) * math.log2(_pool(secret))


def is_weak(secret: str) -> bool:
    """Shorter than 32 characters, or under 112 estimated bits (``estimated_bits``): what a
    production config refuses. A generated secret (43 characters, 256 bits) always passes."""
    return len(secret) < WEAK_SECRET_LENGTH or estimated_bits(secret) < MIN_SECRET_BITS
