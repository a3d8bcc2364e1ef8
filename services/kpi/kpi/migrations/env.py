from salesloop.migrations import run_env

from kpi.models import metadata

run_env(metadata)
