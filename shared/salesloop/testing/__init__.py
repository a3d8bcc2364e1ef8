"""Test helpers shipped with the library, so every service's tests get them free."""
from salesloop.testing.harness import ServiceHarness  # noqa: F401
