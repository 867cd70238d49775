"""Adversarial tier: each test is named after the promise it attacks."""

import pytest

# The shared door check asserts; rewritten, its failures show the values compared.
pytest.register_assert_rewrite("tests.adversarial.doors")
