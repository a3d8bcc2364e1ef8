"""Test helpers shipped with the library, so every service's tests get them free."""
from salesloop.testing.harness import ServiceHarness  # noqa: F401
from salesloop.testing.client import ServiceClient  # noqa: F401,E402


def importable_test_folder(conftest_file: str) -> None:
    """Let a service's tests import its test client module (``<package>_client.py``).

    pytest runs with --import-mode=importlib, which puts no test folder on sys.path;
    each service's conftest.py calls this once with its own ``__file__``.
    """
    import sys
    from pathlib import Path

    folder = str(Path(conftest_file).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
