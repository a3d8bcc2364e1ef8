"""deploy/docker: each service's Dockerfile follows the image contract, statically.

That the ENTRYPOINT really starts is test_deploy_entrypoints.py's job.
"""
from __future__ import annotations

import subprocess


import pytest

import deploy_checks as checks

LEADS = checks.SERVICES[0]


def _leads_dockerfile() -> str:
    return LEADS.dockerfile.read_text(encoding="utf-8")


def _mutated(old: str, new: str) -> str:
    text = _leads_dockerfile()
    assert old in text, f"the broken copy needs {old!r} in the real Dockerfile"
    return text.replace(old, new)


def test_there_is_one_dockerfile_per_service_and_no_other():
    found = sorted(path.name for path in checks.DOCKER_DIR.glob("*.Dockerfile"))
    # The console is a deployable too, of another shape (test_deploy_console.py).
    assert found == sorted([f"{svc.folder}.Dockerfile" for svc in checks.SERVICES] + ["console.Dockerfile"])


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_dockerfile_follows_the_image_contract(service):
    text = service.dockerfile.read_text(encoding="utf-8")
    assert checks.dockerfile_problems(text, service) == []


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_dockerfile_builds_its_own_service_only(service):
    text = service.dockerfile.read_text(encoding="utf-8")
    others = [svc.folder for svc in checks.SERVICES if svc != service]
    for other in others:
        assert f"services/{other}/" not in text
        assert f"salesloop-{other}\"" not in text


def test_all_dockerfiles_differ_only_by_the_service_name():
    # A department may diverge on purpose; until then, drift is a mistake.
    normalised = {
        svc.folder: svc.dockerfile.read_text(encoding="utf-8").replace(svc.folder, "<service>")
        for svc in checks.SERVICES
    }
    assert len(set(normalised.values())) == 1, sorted(normalised)


# ---------------------------------------------------------------- the parser

def test_parser_splits_stages_joins_continuations_and_drops_comments():
    stages = checks.parse_dockerfile(
        "# syntax=docker/dockerfile:1\n"
        "ARG IGNORED=1\n"
        "FROM python:3.11-slim AS builder\n"
        "RUN a \\\n"
        "# a comment inside the continuation\n"
        "    && b\n"
        "\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder --chown=1:1 /opt/venv /opt/venv\n"
        'ENTRYPOINT ["x", "y"]\n'
        "CMD api\n"
    )
    assert [(stage.image, stage.name) for stage in stages] == [
        ("python:3.11-slim", "builder"), ("python:3.11-slim", None)]
    assert stages[0].instructions[0].arguments == "a && b"
    assert stages[0].instructions[0].line == 4
    copy = stages[1].instructions[0]
    assert copy.flags == {"from": "builder", "chown": "1:1"}
    assert copy.arguments == "/opt/venv /opt/venv"
    assert stages[1].last("ENTRYPOINT").exec_form() == ["x", "y"]
    assert stages[1].last("CMD").exec_form() is None


def test_pip_install_targets_keep_order_and_options():
    stage = checks.parse_dockerfile(
        "FROM python:3.11-slim AS builder\n"
        "RUN pip install --no-deps ./shared && python -m pip install -e ./services/kpi\n"
        "RUN pip install wheel\n"
    )[0]
    assert checks.pip_install_targets(stage) == [
        ("./shared", ["--no-deps"]), ("./services/kpi", ["-e"])]


def test_healthcheck_command_reads_the_exec_form_after_options():
    stage = checks.parse_dockerfile(
        'FROM python:3.11-slim\nHEALTHCHECK --interval=5s CMD ["python", "-c", "pass"]\n')[0]
    assert stage.last("HEALTHCHECK").flags == {"interval": "5s"}
    assert checks.healthcheck_command(stage.last("HEALTHCHECK")) == ["python", "-c", "pass"]


# ------------------------------------------------------------ broken copies

BROKEN = {
    "no USER": (("USER 10001:10001\n", ""), "never switches away from root"),
    "USER root": (("USER 10001:10001", "USER root"), "runs as root"),
    "USER 0": (("USER 10001:10001", "USER 0:0"), "runs as root"),
    "named USER": (("USER 10001:10001", "USER salesloop"), "not numeric"),
    "shell-form ENTRYPOINT": (('ENTRYPOINT ["salesloop-leads"]', "ENTRYPOINT salesloop-leads"),
                              "ENTRYPOINT must be"),
    "wrong ENTRYPOINT": (('ENTRYPOINT ["salesloop-leads"]', 'ENTRYPOINT ["salesloop-deals"]'),
                         "ENTRYPOINT must be"),
    "CMD worker": (('CMD ["api"]', 'CMD ["worker"]'), 'CMD must be ["api"]'),
    "editable install": (("RUN pip install ./services/leads", "RUN pip install -e ./services/leads"),
                         "installed editable"),
    "shared not installed": (("RUN pip install ./shared\n", ""), "expected ['shared', 'services/leads']"),
    "no HEALTHCHECK": (("HEALTHCHECK --interval", "# HEALTHCHECK --interval"), "HEALTHCHECK"),
    "curl HEALTHCHECK": (('CMD ["python", "-c", "import os, urllib.request;',
                          'CMD ["curl", "-c", "import os, urllib.request;'), "python's urllib"),
    "other base": (("FROM python:3.11-slim AS runtime", "FROM python:3.12-slim AS runtime"),
                   "not python:3.11-slim"),
    "venv not copied": (("COPY --from=builder /opt/venv /opt/venv", "COPY shared/ /opt/venv"),
                        "does not copy /opt/venv"),
    "missing COPY source": (("COPY services/leads/ ./services/leads/", "COPY services/lead/ ./services/leads/"),
                            "services/lead/ does not exist"),
    "no EXPOSE": (("EXPOSE 8000\n", ""), "EXPOSE 8000"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_dockerfile_is_rejected(case):
    (old, new), expected = BROKEN[case]
    problems = checks.dockerfile_problems(_mutated(old, new), LEADS)
    assert any(expected in problem for problem in problems), problems


def test_single_stage_dockerfile_is_rejected():
    text = _leads_dockerfile()
    single = text[text.index("FROM python:3.11-slim AS runtime"):]
    assert checks.dockerfile_problems(single, LEADS) == ["not multi-stage: 1 FROM instruction(s)"]


def test_user_set_before_a_root_run_is_rejected():
    text = _mutated("USER 10001:10001\n", "")
    text = text.replace("RUN groupadd", "USER 10001:10001\nRUN groupadd")
    problems = checks.dockerfile_problems(text, LEADS)
    assert "USER comes before a RUN instruction; the final user must be set last" in problems


# ------------------------------------------------------------ .dockerignore

def _ignore_rules():
    return checks.ignore_rules((checks.DOCKER_DIR / "dockerignore.txt").read_text(encoding="utf-8"))


def test_ignore_matching_follows_docker_semantics():
    rules = checks.ignore_rules("**/__pycache__\n*.md\n!README.md\nvar\n")
    assert checks.is_ignored("a/b/__pycache__/c.pyc", rules)
    assert checks.is_ignored("NOTES.md", rules)
    assert not checks.is_ignored("README.md", rules)
    assert not checks.is_ignored("docs/NOTES.md", rules)  # '*' does not cross '/'
    assert checks.is_ignored("var/db/leads.sqlite3", rules)
    assert not checks.is_ignored("services/leads/var.py", rules)


@pytest.mark.parametrize("path", [
    ".git/HEAD", ".venv/bin/python", "var/db/leads.sqlite3", "deploy/compose/.env",
    "services/leads/leads/__pycache__/api.cpython-311.pyc", "shared/salesloop.egg-info/PKG-INFO",
    "services/kpi/tests/test_rollups.py", "tests/deploy/deploy_checks.py", "bench/run.py",
    "services/orders/build/lib/orders/__init__.py",
])
def test_dockerignore_keeps_local_state_and_secrets_out_of_the_context(path):
    assert checks.is_ignored(path, _ignore_rules())


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_dockerignore_keeps_what_the_image_installs(service):
    rules = _ignore_rules()
    needed = [
        "shared/pyproject.toml", "shared/README.md", "shared/salesloop/__init__.py",
        f"services/{service.folder}/pyproject.toml", f"services/{service.folder}/README.md",
        f"services/{service.folder}/{service.package}/__init__.py",
        f"services/{service.folder}/{service.package}/migrations/env.py",
        f"services/{service.folder}/migrations/versions/0001_initial.py",
        f"services/{service.folder}/alembic.ini",
    ]
    assert [path for path in needed if checks.is_ignored(path, rules)] == []


def test_dockerignore_keeps_every_source_file_that_exists_today():
    rules = _ignore_rules()
    # The files under version control: local caches, node_modules and build output are not sources.
    tracked = subprocess.run(["git", "ls-files", "shared", "services"], cwd=checks.REPO_ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    relative = [path for path in tracked if "/tests/" not in path and "tests" != path.split("/")[0]]
    assert relative, "shared/ and services/ hold no files"
    assert [path for path in relative if checks.is_ignored(path, rules)] == []
