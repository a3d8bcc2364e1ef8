"""mypy, strict, on the shared library and on each service's domain.

Each service is checked from its own folder, so its package name resolves the
way it does when installed; one failing target fails the run.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "mypy.ini"


def targets() -> list[tuple[Path, str]]:
    found = [(ROOT / "shared", "salesloop")]
    for service in sorted((ROOT / "services").iterdir()):
        for domain in sorted(service.glob("*/domain")):
            found.append((service, f"{domain.parent.name}/domain"))
    return found


def main() -> int:
    failed = 0
    for folder, target in targets():
        result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", str(ROOT / "var" / "mypy"), target], cwd=folder)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
