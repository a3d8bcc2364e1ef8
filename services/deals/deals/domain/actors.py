"""Who is acting, as the domain needs to know it: a user id and roles from the token."""
from __future__ import annotations

from dataclasses import dataclass

from .validation import require_text

# Roles that may approve a contract (DESIGN §6 names the full set of roles).
APPROVER_ROLES: frozenset[str] = frozenset({"manager", "director", "admin"})


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_id", require_text(self.user_id, "user_id"))
        object.__setattr__(self, "roles", frozenset(role.strip().lower() for role in self.roles))

    def has_any_role(self, roles: frozenset[str]) -> bool:
        return not self.roles.isdisjoint(roles)
