"""The deploy checks' shared reader of Dockerfiles, compose files and manifests
(deploy_checks.py) is imported by name by every test module here."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
