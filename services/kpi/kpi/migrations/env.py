from kpi.models import metadata
from salesloop.migrations import run_env

run_env(metadata)
