"""Offline checks of deploy/: Dockerfiles, docker compose files and Kubernetes manifests.

Every check returns a list of problems (human-readable strings); an empty list
means the artefact passes. The tests run them on the real files and on broken
copies, so each check is known to reject what it should.

Loaded by path from the test modules (tests run with --import-mode=importlib):
see `load()` at the top of each test_deploy_*.py.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Iterable, Iterator

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
DOCKER_DIR = DEPLOY / "docker"
COMPOSE_DIR = DEPLOY / "compose"
K8S_DIR = DEPLOY / "k8s"
COMPOSE_SCHEMA = Path(__file__).resolve().parent / "schemas" / "compose-spec.json"
COMPOSE_SCHEMA_SHA256 = "e4e1a42ce687c47e199551d1f025b1e713a4d1f9302706d3f89de9cef1d376a4"

BASE_IMAGE = "python:3.11-slim"
ROLES = ("migrate", "api", "worker", "relay")
LONG_RUNNING_ROLES = ("api", "worker", "relay")


@dataclass(frozen=True)
class Service:
    """One Salesloop service, named the way the lead's conventions name it."""

    folder: str
    package: str

    @property
    def script(self) -> str:
        return f"salesloop-{self.folder}"

    @property
    def database(self) -> str:
        return self.package

    @property
    def image(self) -> str:
        return f"salesloop/{self.folder}"

    @property
    def dockerfile(self) -> Path:
        return DOCKER_DIR / f"{self.folder}.Dockerfile"

    @property
    def source_dir(self) -> Path:
        return REPO_ROOT / "services" / self.folder

    @property
    def pyproject(self) -> Path:
        return self.source_dir / "pyproject.toml"


SERVICES = (
    Service("leads", "leads"),
    Service("deals", "deals"),
    Service("orders", "orders"),
    Service("service-desk", "service_desk"),
    Service("kpi", "kpi"),
)
SERVICE_IDS = [service.folder for service in SERVICES]

# Variables every Salesloop process reads (the lead's configuration contract).
SHARED_SETTINGS = (
    "SALESLOOP_ENV", "BUS_URL", "JWT_ALGORITHM", "PORT", "COMPANY_CURRENCY",
    "COMPANY_TIMEZONE", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_TRACES_SAMPLER",
)


# --------------------------------------------------------------------------- YAML

def load_documents(path: Path) -> list[dict]:
    """Every non-empty YAML document of a file."""
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------- Dockerfile

@dataclass(frozen=True)
class Instruction:
    keyword: str
    flags: dict[str, str]
    arguments: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction, None for shell form."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if all(isinstance(item, str) for item in value) else None


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


_FLAG = re.compile(r"--([a-z-]+)(?:=(\S*))?\s*")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Instructions joined across backslash continuations, comments dropped."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1].strip())
            continue
        buffer.append(stripped)
        yield start, " ".join(part for part in buffer if part)
        buffer = []
    if buffer:
        yield start, " ".join(buffer)


def _split_flags(rest: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    while rest.startswith("--"):
        match = _FLAG.match(rest)
        if not match:
            break
        flags[match.group(1)] = match.group(2) or ""
        rest = rest[match.end():]
    return flags, rest


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages of a Dockerfile; instructions before the first FROM (ARG) are ignored."""
    stages: list[Stage] = []
    for line, content in _logical_lines(text):
        keyword, _, rest = content.partition(" ")
        keyword = keyword.upper()
        flags, arguments = _split_flags(rest.strip())
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(image=words[0] if words else "", name=name))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, flags, arguments, line))
    return stages


def pip_install_targets(stage: Stage) -> list[tuple[str, list[str]]]:
    """(local path, pip options) for every `pip install <local path>` of a stage, in order."""
    targets = []
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;", run.arguments):
            words = shlex.split(command)
            if "pip" not in " ".join(words[:4]) or "install" not in words:
                continue
            after = words[words.index("install") + 1:]
            options = [word for word in after if word.startswith("-")]
            for word in after:
                if word.startswith((".", "/")) and not word.startswith("-"):
                    targets.append((word, options))
    return targets


def _normalise_local(path: str) -> str:
    return str(PurePosixPath(path.rstrip("/"))).removeprefix("/src/")


def dockerfile_problems(text: str, service: Service) -> list[str]:
    """What keeps a Dockerfile from being the image the conventions describe."""
    stages = parse_dockerfile(text)
    if len(stages) < 2:
        return [f"not multi-stage: {len(stages)} FROM instruction(s)"]
    problems = [f"stage {stage.name or index} is FROM {stage.image}, not {BASE_IMAGE}"
                for index, stage in enumerate(stages) if stage.image != BASE_IMAGE]
    builder, runtime = stages[0], stages[-1]
    problems += _builder_problems(builder, service)
    problems += _runtime_problems(runtime, builder, service)
    return problems


def _builder_problems(builder: Stage, service: Service) -> list[str]:
    problems = []
    if not any("venv /opt/venv" in run.arguments for run in builder.all("RUN")):
        problems.append("the builder does not create the virtualenv /opt/venv")
    targets = pip_install_targets(builder)
    installed = [_normalise_local(path) for path, _ in targets]
    expected = ["shared", f"services/{service.folder}"]
    if installed != expected:
        problems.append(f"the builder pip-installs {installed}, expected {expected} in that order")
    for path, options in targets:
        if {"-e", "--editable"} & set(options):
            problems.append(f"{path} is installed editable; the runtime image has no source tree")
    for copy in builder.all("COPY"):
        sources = shlex.split(copy.arguments)[:-1]
        for source in sources:
            if "from" not in copy.flags and not (REPO_ROOT / source).exists():
                problems.append(f"COPY source {source} does not exist in the build context")
    return problems


def _runtime_problems(runtime: Stage, builder: Stage, service: Service) -> list[str]:
    problems = []
    copies_venv = any(
        copy.flags.get("from") in {builder.name, "0"} and "/opt/venv" in copy.arguments
        for copy in runtime.all("COPY")
    )
    if not copies_venv:
        problems.append("the runtime stage does not copy /opt/venv from the builder")
    if not any("/opt/venv/bin" in env.arguments for env in runtime.all("ENV")):
        problems.append("the runtime stage does not put /opt/venv/bin on PATH")
    problems += _user_problems(runtime)
    if not any("8000" in expose.arguments.split() for expose in runtime.all("EXPOSE")):
        problems.append("the runtime stage does not EXPOSE 8000")
    problems += _healthcheck_problems(runtime.last("HEALTHCHECK"))
    entrypoint = runtime.last("ENTRYPOINT")
    if entrypoint is None or entrypoint.exec_form() != [service.script]:
        shown = entrypoint.arguments if entrypoint else None
        problems.append(f'ENTRYPOINT must be ["{service.script}"] in exec form, found {shown}')
    command = runtime.last("CMD")
    if command is None or command.exec_form() != ["api"]:
        problems.append(f'CMD must be ["api"], found {command.arguments if command else None}')
    return problems


def _user_problems(runtime: Stage) -> list[str]:
    user = runtime.last("USER")
    if user is None:
        return ["the runtime stage never switches away from root (no USER)"]
    name = user.arguments.split(":")[0].strip()
    if name in {"root", "0"}:
        return [f"the runtime stage runs as root (USER {user.arguments})"]
    if not name.isdigit():
        return [f"USER {name} is not numeric; Kubernetes runAsNonRoot cannot verify it"]
    last_run = max((run.line for run in runtime.all("RUN")), default=0)
    if user.line < last_run:
        return ["USER comes before a RUN instruction; the final user must be set last"]
    return []


def healthcheck_command(instruction: Instruction | None) -> list[str] | None:
    """The exec-form command of `HEALTHCHECK [options] CMD [...]`."""
    if instruction is None:
        return None
    keyword, _, rest = instruction.arguments.strip().partition(" ")
    if keyword.upper() != "CMD":
        return None
    return Instruction("CMD", {}, rest, instruction.line).exec_form()


def _healthcheck_problems(instruction: Instruction | None) -> list[str]:
    command = healthcheck_command(instruction)
    if command is None:
        return ["no exec-form HEALTHCHECK CMD in the runtime stage"]
    script = " ".join(command)
    if command[0] != "python" or "urllib" not in script or "/healthz" not in script:
        return [f"HEALTHCHECK must GET /healthz with python's urllib, found {command}"]
    return []


# ---------------------------------------------------------------- .dockerignore

def _ignore_regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore pattern (Go filepath.Match plus **) as a regex."""
    pattern = str(PurePosixPath(pattern.strip().lstrip("/")))
    out, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            out, index = out + ".*", index + 2
        elif char == "*":
            out, index = out + "[^/]*", index + 1
        elif char == "?":
            out, index = out + "[^/]", index + 1
        elif char == "[":
            end = pattern.index("]", index)
            out, index = out + pattern[index:end + 1], end + 1
        else:
            out, index = out + re.escape(char), index + 1
    return re.compile(out + "$")


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern]]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, _ignore_regex(line.lstrip("!"))))
    return rules


def is_ignored(path: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """Whether the build context leaves `path` out (a match of any parent counts)."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    ignored = False
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not negated
    return ignored


# ------------------------------------------------------------ compose: variables

class InterpolationError(ValueError):
    """A ${VAR:?message} whose variable is unset or empty."""


_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])"
    r"(?P<arg>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env file."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}."""

    def substitute(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("plain")
        operator, argument = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        unset_or_empty = value is None or (operator or "").startswith(":") and value == ""
        if operator in (":-", "-"):
            return interpolate(argument, env) if unset_or_empty else value
        if operator in (":?", "?"):
            if unset_or_empty:
                raise InterpolationError(f"{name}: {argument or 'required variable is not set'}")
            return value
        if operator in (":+", "+"):
            return "" if unset_or_empty else interpolate(argument, env)
        return value or ""

    return _VARIABLE.sub(substitute, text)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node


def required_variables(node: Any) -> set[str]:
    """Names a loaded compose file uses as ${VAR:?...} or ${VAR?...}: compose refuses to start without them."""
    if isinstance(node, str):
        return {match.group("braced") for match in _VARIABLE.finditer(node)
                if match.group("op") in (":?", "?")}
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return set().union(set(), *(required_variables(child) for child in children))


# --------------------------------------------------------------- compose: checks

def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    leaves = [_deepest(child) for child in error.context] or [error]
    return max(leaves, key=lambda leaf: len(leaf.absolute_path))


@lru_cache(maxsize=1)
def compose_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def compose_schema_errors(document: dict) -> list[str]:
    """Violations of the Compose Specification schema, with their location.

    For oneOf/anyOf failures the deepest error of any branch is added: "not
    valid under any of the given schemas" alone does not say what to fix.
    """
    messages = []
    for error in compose_validator().iter_errors(document):
        message = error.message
        if error.context:
            message += f" (closest: {_deepest(error).message})"
        where = ".".join(str(part) for part in error.absolute_path) or "<root>"
        messages.append(f"{where}: {message}")
    return sorted(messages)


def _depends_on(service: dict) -> dict[str, dict]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: {"condition": "service_started"} for name in raw}
    return {name: (options or {"condition": "service_started"}) for name, options in raw.items()}


def _healthcheck_enabled(service: dict) -> bool:
    check = service.get("healthcheck")
    if not check or check.get("disable"):
        return False
    test = check.get("test")
    return bool(test) and test != ["NONE"]


def _one_shot(service: dict) -> bool:
    return str(service.get("restart", "no")) in {"no", "on-failure"} or \
        str(service.get("restart", "")).startswith("on-failure")


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """Dependency cycles, each written from its alphabetically first member."""
    state: dict[str, int] = {}
    found: set[tuple[str, ...]] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                loop = stack[stack.index(target):]
                first = loop.index(min(loop))
                found.add(tuple(loop[first:] + loop[:first]))
            elif target in graph and state.get(target) is None:
                visit(target, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [])
    return sorted(" -> ".join(loop + (loop[0],)) for loop in found)


def compose_start_order_problems(services: dict[str, dict]) -> list[str]:
    """Health-checked start order: every service healthy or one-shot, every dependency real."""
    problems = []
    for name, service in services.items():
        if not _healthcheck_enabled(service) and not _one_shot(service):
            problems.append(f"{name} is long-running (restart {service.get('restart')!r}) "
                            "but has no healthcheck")
        for target, options in _depends_on(service).items():
            condition = options.get("condition", "service_started")
            if target not in services:
                problems.append(f"{name} depends on {target}, which is not a service")
            elif condition == "service_healthy" and not _healthcheck_enabled(services[target]):
                problems.append(f"{name} waits for {target} to be healthy, but it has no healthcheck")
            elif condition == "service_completed_successfully" and not _one_shot(services[target]):
                problems.append(f"{name} waits for {target} to complete, but {target} is restarted")
    graph = {name: set(_depends_on(service)) for name, service in services.items()}
    problems += [f"dependency cycle: {cycle}" for cycle in _cycles(graph)]
    return problems


def _database_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?")[0]


def compose_salesloop_problems(document: dict) -> list[str]:
    """Each service has migrate/api/worker/relay, built from its Dockerfile, configured by env."""
    services = document.get("services", {})
    problems = []
    for svc in SERVICES:
        for role in ROLES:
            name = f"{svc.folder}-{role}"
            if name not in services:
                problems.append(f"missing compose service {name}")
                continue
            problems += _compose_role_problems(name, services[name], svc, role)
    return problems


def _compose_role_problems(name: str, service: dict, svc: Service, role: str) -> list[str]:
    problems = []
    if not str(service.get("image", "")).startswith(svc.image + ":"):
        problems.append(f"{name} runs image {service.get('image')}, expected {svc.image}:<tag>")
    build = service.get("build") or {}
    dockerfile = (COMPOSE_DIR / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve()
    if dockerfile != svc.dockerfile.resolve():
        problems.append(f"{name} builds {dockerfile}, expected {svc.dockerfile}")
    if (COMPOSE_DIR / build.get("context", "")).resolve() != REPO_ROOT:
        problems.append(f"{name} build context is not the repository root")
    if service.get("command") != [role]:
        problems.append(f"{name} runs {service.get('command')}, expected [{role!r}]")
    environment = service.get("environment") or {}
    missing = [key for key in SHARED_SETTINGS + ("DATABASE_URL", "OTEL_SERVICE_NAME")
               if key not in environment]
    if missing:
        problems.append(f"{name} lacks environment {missing}")
    if environment.get("OTEL_SERVICE_NAME") != svc.folder:
        problems.append(f"{name} OTEL_SERVICE_NAME is {environment.get('OTEL_SERVICE_NAME')}")
    if _database_of(str(environment.get("DATABASE_URL", ""))) != svc.database:
        problems.append(f"{name} uses database {environment.get('DATABASE_URL')}, not {svc.database}")
    depends = _depends_on(service)
    if role == "migrate":
        if depends.get("postgres", {}).get("condition") != "service_healthy":
            problems.append(f"{name} does not wait for a healthy postgres")
    else:
        migrate = depends.get(f"{svc.folder}-migrate", {})
        if migrate.get("condition") != "service_completed_successfully":
            problems.append(f"{name} does not wait for {svc.folder}-migrate to complete")
        for server in ("postgres", "rabbitmq"):
            if depends.get(server, {}).get("condition") != "service_healthy":
                problems.append(f"{name} does not wait for a healthy {server}")
    return problems


def init_sql_databases(sql: str) -> set[str]:
    return set(re.findall(r"CREATE\s+DATABASE\s+\"?([A-Za-z_][A-Za-z0-9_]*)", sql, re.IGNORECASE))


# ------------------------------------------------------------------- Kubernetes

@dataclass(frozen=True)
class Manifest:
    path: Path
    document: dict

    @property
    def kind(self) -> str:
        return self.document.get("kind", "")

    @property
    def name(self) -> str:
        return self.document.get("metadata", {}).get("name", "")

    def __str__(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}: {self.kind}/{self.name}"


def kustomization_files(root: Path = K8S_DIR) -> list[Path]:
    return sorted(root.rglob("kustomization.yaml"))


def manifest_files(root: Path = K8S_DIR) -> list[Path]:
    """Kubernetes resource files (kustomization.yaml is kustomize's config, not a resource)."""
    return sorted(path for path in root.rglob("*.yaml") if path.name != "kustomization.yaml")


def load_manifests(files: Iterable[Path]) -> list[Manifest]:
    return [Manifest(path, document) for path in files for document in load_documents(path)]


def kubernetes_schema_errors(document: dict, version: str) -> list[str]:
    """Violations of the Kubernetes OpenAPI schema (strict: unknown fields are errors)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(document, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path) or "<root>"
        return [f"{where}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


def kustomize_resources(kustomization: Path) -> list[Path]:
    """Files a kustomization pulls in, following directories to their kustomization."""
    config = load_yaml(kustomization) or {}
    files = []
    for entry in config.get("resources", []):
        target = kustomization.parent / entry
        if target.is_dir():
            files += kustomize_resources(target / "kustomization.yaml")
        else:
            files.append(target)
    return files


def kustomization_problems(root: Path = K8S_DIR) -> list[str]:
    problems = []
    for kustomization in kustomization_files(root):
        config = load_yaml(kustomization) or {}
        for entry in config.get("resources", []):
            target = kustomization.parent / entry
            if not target.exists() or (target.is_dir() and not (target / "kustomization.yaml").exists()):
                problems.append(f"{kustomization.relative_to(root)} lists {entry}, which does not exist")
    top = root / "kustomization.yaml"
    if top.exists() and not problems:
        reachable = {path.resolve() for path in kustomize_resources(top)}
        for path in manifest_files(root):
            if path.resolve() not in reachable:
                problems.append(f"{path.relative_to(root)} is not listed in any kustomization")
    return problems


def _index(manifests: Iterable[Manifest]) -> dict[tuple[str, str], Manifest]:
    return {(manifest.kind, manifest.name): manifest for manifest in manifests}


def _pod_spec(manifest: Manifest) -> dict:
    return manifest.document.get("spec", {}).get("template", {}).get("spec", {})


def _pod_labels(manifest: Manifest) -> dict:
    return manifest.document.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})


def pod_security_problems(manifest: Manifest) -> list[str]:
    pod = _pod_spec(manifest)
    context = pod.get("securityContext", {})
    problems = []
    if context.get("runAsNonRoot") is not True:
        problems.append(f"{manifest}: pod securityContext.runAsNonRoot is not true")
    if context.get("runAsUser", 1) == 0:
        problems.append(f"{manifest}: pod runs as uid 0")
    for container in pod.get("containers", []):
        problems += _container_problems(manifest, container, pod)
    return problems


def _container_problems(manifest: Manifest, container: dict, pod: dict) -> list[str]:
    problems = []
    label = f"{manifest} container {container.get('name')}"
    context = container.get("securityContext", {})
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{label}: allowPrivilegeEscalation is not false")
    if "ALL" not in context.get("capabilities", {}).get("drop", []):
        problems.append(f"{label}: capabilities are not dropped")
    if context.get("runAsUser") == 0 or context.get("runAsNonRoot") is False:
        problems.append(f"{label}: runs as root")
    resources = container.get("resources", {})
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(bound, {}):
                problems.append(f"{label}: no {resource} in resources.{bound}")
    volumes = {volume.get("name") for volume in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        if mount.get("name") not in volumes:
            problems.append(f"{label}: mounts undeclared volume {mount.get('name')}")
    return problems


def _env_problems(manifest: Manifest, container: dict, index: dict, svc: Service) -> list[str]:
    problems = []
    label = f"{manifest} container {container.get('name')}"
    for source in container.get("envFrom", []):
        if "configMapRef" in source and ("ConfigMap", source["configMapRef"]["name"]) not in index:
            problems.append(f"{label}: envFrom unknown ConfigMap {source['configMapRef']['name']}")
        if "secretRef" in source and ("Secret", source["secretRef"]["name"]) not in index:
            problems.append(f"{label}: envFrom unknown Secret {source['secretRef']['name']}")
    env = {item["name"]: item for item in container.get("env", [])}
    for name, item in env.items():
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            secret = index.get(("Secret", ref["name"]))
            if secret is None or ref["key"] not in _secret_keys(secret):
                problems.append(f"{label}: {name} reads missing secret key {ref['name']}/{ref['key']}")
    if env.get("OTEL_SERVICE_NAME", {}).get("value") != svc.folder:
        problems.append(f"{label}: OTEL_SERVICE_NAME is not {svc.folder}")
    if "DATABASE_URL" not in env:
        problems.append(f"{label}: no DATABASE_URL")
    return problems


def _secret_keys(secret: Manifest) -> set[str]:
    return set(secret.document.get("stringData", {})) | set(secret.document.get("data", {}))


def _probe_problems(manifest: Manifest, container: dict) -> list[str]:
    problems = []
    ports = {port.get("name") for port in container.get("ports", [])} | \
        {port.get("containerPort") for port in container.get("ports", [])}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        http = container.get(probe, {}).get("httpGet", {})
        if http.get("path") != path:
            problems.append(f"{manifest}: {probe} must GET {path}, found {http.get('path')}")
        elif http.get("port") not in ports:
            problems.append(f"{manifest}: {probe} port {http.get('port')} is not a container port")
    return problems


def _workload_problems(manifest: Manifest, role: str, svc: Service, index: dict) -> list[str]:
    problems = pod_security_problems(manifest)
    spec = manifest.document.get("spec", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    labels = _pod_labels(manifest)
    if manifest.kind == "Deployment" and (not selector or any(labels.get(k) != v for k, v in selector.items())):
        problems.append(f"{manifest}: selector {selector} does not match the pod labels {labels}")
    containers = _pod_spec(manifest).get("containers", [])
    if len(containers) != 1:
        return problems + [f"{manifest}: expected one container, found {len(containers)}"]
    container = containers[0]
    if not str(container.get("image", "")).startswith(svc.image + ":"):
        problems.append(f"{manifest}: image {container.get('image')} is not {svc.image}:<tag>")
    if container.get("args") != [role]:
        problems.append(f"{manifest}: args {container.get('args')}, expected [{role!r}]")
    problems += _env_problems(manifest, container, index, svc)
    # Every long-running process has probes: the API its HTTP endpoints, worker and relay
    # their heartbeat. A one-shot migration Job has none.
    if manifest.kind != "Job":
        problems += _probe_problems(manifest, container)
    return problems


def _hpa_problems(index: dict, svc: Service) -> list[str]:
    problems = []
    for role in ("api", "worker"):
        hpa = index.get(("HorizontalPodAutoscaler", f"{svc.folder}-{role}"))
        if hpa is None:
            problems.append(f"no HorizontalPodAutoscaler {svc.folder}-{role}")
            continue
        problems += _one_hpa_problems(hpa, index)
    return problems


def _one_hpa_problems(hpa: Manifest, index: dict) -> list[str]:
    problems = []
    spec = hpa.document.get("spec", {})
    if hpa.document.get("apiVersion") != "autoscaling/v2":
        problems.append(f"{hpa}: apiVersion is not autoscaling/v2")
    target = spec.get("scaleTargetRef", {})
    if (target.get("kind"), target.get("name")) not in index:
        problems.append(f"{hpa}: scales {target.get('kind')}/{target.get('name')}, which does not exist")
    if target.get("name", "").endswith("-relay"):
        problems.append(f"{hpa}: the relay must stay at one replica")
    if spec.get("minReplicas", 1) > spec.get("maxReplicas", 0):
        problems.append(f"{hpa}: minReplicas exceeds maxReplicas")
    return problems


def _service_problems(index: dict, svc: Service) -> list[str]:
    service = index.get(("Service", f"{svc.folder}-api"))
    api = index.get(("Deployment", f"{svc.folder}-api"))
    if service is None or api is None:
        return [f"no Service/Deployment {svc.folder}-api"]
    problems = []
    selector = service.document.get("spec", {}).get("selector", {})
    labels = _pod_labels(api)
    if not selector or any(labels.get(key) != value for key, value in selector.items()):
        problems.append(f"{service}: selector {selector} selects no api pod ({labels})")
    container = (_pod_spec(api).get("containers") or [{}])[0]
    ports = {port.get("name") for port in container.get("ports", [])} | \
        {port.get("containerPort") for port in container.get("ports", [])}
    for port in service.document.get("spec", {}).get("ports", []):
        if port.get("targetPort") not in ports:
            problems.append(f"{service}: targetPort {port.get('targetPort')} is not an api port")
    return problems


def _relay_problems(relay: Manifest) -> list[str]:
    spec = relay.document.get("spec", {})
    problems = []
    if spec.get("replicas") != 1:
        problems.append(f"{relay}: replicas is {spec.get('replicas')}; the relay must run exactly once")
    if spec.get("strategy", {}).get("type") != "Recreate":
        problems.append(f"{relay}: a RollingUpdate would run two relays at once; use Recreate")
    return problems


def _job_problems(job: Manifest) -> list[str]:
    problems = []
    if _pod_spec(job).get("restartPolicy") not in {"Never", "OnFailure"}:
        problems.append(f"{job}: restartPolicy must be Never or OnFailure")
    if "backoffLimit" not in job.document.get("spec", {}):
        problems.append(f"{job}: no backoffLimit")
    return problems


def kubernetes_service_problems(manifests: list[Manifest], svc: Service) -> list[str]:
    """One service's objects: what they are, and that they fit together."""
    index = _index(manifests)
    problems = []
    expected = [("Deployment", f"{svc.folder}-{role}") for role in LONG_RUNNING_ROLES] + [
        ("Job", f"{svc.folder}-migrate"), ("Service", f"{svc.folder}-api"),
        ("ServiceAccount", svc.folder), ("Secret", f"{svc.folder}-database"),
    ]
    problems += [f"missing {kind}/{name}" for kind, name in expected if (kind, name) not in index]
    for role in LONG_RUNNING_ROLES:
        workload = index.get(("Deployment", f"{svc.folder}-{role}"))
        if workload is not None:
            problems += _workload_problems(workload, role, svc, index)
    job = index.get(("Job", f"{svc.folder}-migrate"))
    if job is not None:
        problems += _workload_problems(job, "migrate", svc, index) + _job_problems(job)
    relay = index.get(("Deployment", f"{svc.folder}-relay"))
    if relay is not None:
        problems += _relay_problems(relay)
    problems += _hpa_problems(index, svc)
    problems += _service_problems(index, svc)
    return problems


def kubernetes_config_problems(manifests: list[Manifest]) -> list[str]:
    """The shared ConfigMap and Secret carry the configuration contract."""
    index = _index(manifests)
    config = index.get(("ConfigMap", "salesloop-config"))
    secret = index.get(("Secret", "salesloop-secrets"))
    if config is None or secret is None:
        return ["missing ConfigMap salesloop-config or Secret salesloop-secrets"]
    keys = set(config.document.get("data", {})) | _secret_keys(secret)
    problems = [f"no {name} in salesloop-config or salesloop-secrets"
                for name in SHARED_SETTINGS if name not in keys]
    data = config.document.get("data", {})
    if data.get("SALESLOOP_ENV") != "production":
        problems.append("salesloop-config does not run in production mode")
    if not ({"JWT_SECRET", "JWT_JWKS_URL"} & keys):
        problems.append("neither JWT_SECRET nor JWT_JWKS_URL is configured")
    for manifest in manifests:
        if manifest.kind == "ConfigMap" and any(
                re.search(r"SECRET|PASSWORD|TOKEN", key) for key in manifest.document.get("data", {})):
            problems.append(f"{manifest}: secret-looking key in a ConfigMap")
    return problems
