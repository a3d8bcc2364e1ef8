from salesloop.migrations import run_env

from deals.models import metadata

run_env(metadata)
