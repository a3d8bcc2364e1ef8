"""Reading rule configuration from plain dicts (as parsed from JSON), strictly.

Every problem is reported as ``InvalidField`` with the path of the bad value
("rules[2].tiers[0].points"), and unknown keys are refused so that a typo in a
rule file fails loudly instead of silently switching a rule off.
"""

from collections.abc import Mapping

from .errors import InvalidField


class ConfigReader:
    def __init__(self, data: object, path: str):
        if not isinstance(data, Mapping):
            raise InvalidField(path or "config", "must be an object")
        self._data = data
        self._path = path
        self._used: set[str] = set()

    def path_of(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def required(self, key: str) -> object:
        self._used.add(key)
        if key not in self._data:
            raise InvalidField(self.path_of(key), "is required")
        return self._data[key]

    def optional(self, key: str, default: object = None) -> object:
        self._used.add(key)
        return self._data.get(key, default)

    def finish(self) -> None:
        unknown = sorted(str(key) for key in self._data if key not in self._used)
        if unknown:
            raise InvalidField(self.path_of(unknown[0]), "is not a known field")


def read_int(value: object, path: str, minimum: int | None = None) -> int:
    # bool is an int subclass; true/false in a rule file is always a mistake here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(path, "must be a whole number")
    if minimum is not None and value < minimum:
        raise InvalidField(path, f"must be at least {minimum}")
    return value


def read_text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(path, "must be a non-empty string")
    return value.strip()


def read_list(value: object, path: str) -> list[object]:
    if not isinstance(value, (list, tuple)):
        raise InvalidField(path, "must be a list")
    return list(value)


def read_texts(value: object, path: str) -> list[str]:
    return [read_text(item, f"{path}[{index}]") for index, item in enumerate(read_list(value, path))]
