"""JWT bearer authentication, role checks, row visibility and personal-data masking.

Tokens carry ``sub`` (the user; for a rep, the rep id), ``roles``, ``team`` and
``region``. HS256 with a shared secret in development, RS256 verified against a
JWKS URL in production.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import jwt
from flask import current_app, g, request
from sqlalchemy import ColumnElement, SQLColumnExpression, false, true

from salesloop.config import PRODUCT_AUDIENCES
from salesloop.web.errors import Problem

if TYPE_CHECKING:
    from salesloop.config import Settings

_View = TypeVar("_View", bound=Callable[..., Any])
_P = ParamSpec("_P")
_R = TypeVar("_R")

ROLES = ("rep", "cs_agent", "ops", "supervisor", "manager", "director", "admin")
SERVICE_ROLES = ("storefront", "service")
# Who may call a route that names no roles of its own: the staff. A token with no
# role, or a machine's (storefront, service), reaches only routes that name it.
DEFAULT_ROLES = ROLES
ALL_SCOPE_ROLES = {"director", "admin"}
TEAM_SCOPE_ROLES = {"supervisor"}
# Customer care answers for its region's customers, orders and tickets (can_serve):
# care teams are not sales teams, the region is what both share. An agent whose
# token names no region works at the central desk and serves every region.
CARE_ROLES = {"cs_agent"}
PII_ROLES = {"supervisor", "manager", "director", "admin"}


@dataclass(frozen=True)
class Principal:
    user: str
    roles: frozenset[str] = field(default_factory=frozenset)
    team: str | None = None
    region: str | None = None
    name: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def scope(self) -> str:
        """How far this person sees: all > region > team > own (see also ``can_serve``)."""
        if self.roles & ALL_SCOPE_ROLES:
            return "all"
        if "manager" in self.roles:
            return "region"
        if self.roles & TEAM_SCOPE_ROLES:
            return "team"
        if "ops" in self.roles:
            return "all"
        return "own"


# -- tokens ---------------------------------------------------------------------------
class TokenVerifier:
    def __init__(self, settings: Settings, audiences: tuple[str, ...] = ()) -> None:
        """``audiences``: accept a token naming any of these instead of the service's own
        audience — the console, which only hands a person's token on to the services."""
        self.settings = settings
        self.audiences = audiences
        self._jwks: jwt.PyJWKClient | None = None

    def _key(self, token: str) -> Any:
        if self.settings.jwt_jwks_url:
            if self._jwks is None:
                self._jwks = jwt.PyJWKClient(self.settings.jwt_jwks_url, cache_keys=True)
            return self._jwks.get_signing_key_from_jwt(token).key
        return self.settings.signing_key

    def verify(self, token: str) -> Principal:
        algorithm = "RS256" if self.settings.jwt_jwks_url else self.settings.jwt_algorithm
        claims = jwt.decode(
            token, self._key(token), algorithms=[algorithm],
            audience=list(self.audiences) or self.settings.expected_audience, options={"require": ["sub", "exp", "aud"]},
        )
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = roles.split()
        return Principal(user=str(claims["sub"]), roles=frozenset(roles), team=claims.get("team"),
                         region=claims.get("region"), name=claims.get("name"))


def issue_token(settings: Settings, user: str, roles: list[str], *, team: str | None = None,
                region: str | None = None, name: str | None = None, hours: float = 12,
                audience: str | list[str] | None = None) -> str:
    """A development token signed with the HS256 secret (``make token``), for the
    named audiences — by default every service of the product (and the configured
    audience, if any)."""
    now = datetime.now(timezone.utc)
    claims: dict[str, Any] = {"sub": user, "roles": roles, "iat": now, "exp": now + timedelta(hours=hours)}
    for key, value in (("team", team), ("region", region), ("name", name)):
        if value:
            claims[key] = value
    if audience is None:
        audience = [*PRODUCT_AUDIENCES, *([settings.jwt_audience] if settings.jwt_audience else [])]
    claims["aud"] = [audience] if isinstance(audience, str) else list(dict.fromkeys(audience))
    return jwt.encode(claims, settings.signing_key, algorithm="HS256")


# -- request integration -------------------------------------------------------------------
def public(view: _View) -> _View:
    """Mark a view (or MethodView method) as reachable without a token."""
    _mark(view, "_salesloop_public", True)
    return view


def _mark(view: object, mark: str, value: object) -> None:
    # A plain attribute of the function, as _marked reads it; setattr because mypy
    # knows no attributes of functions.
    setattr(view, mark, value)


def _marked(view_function: Callable[..., Any], mark: str, method: str, default: Any = None) -> Any:
    """A mark set on a view function, or on the MethodView method for this HTTP method."""
    if hasattr(view_function, mark):
        return getattr(view_function, mark)
    view_class = getattr(view_function, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class else None
    return getattr(handler, mark, default)


def _is_public(view_function: Callable[..., Any]) -> bool:
    if (request.endpoint or "").startswith("api-docs."):  # the OpenAPI document
        return True
    return bool(_marked(view_function, "_salesloop_public", request.method, False))


def route_roles(view_function: Callable[..., Any], method: str) -> tuple[str, ...] | None:
    """Who may call this route with this method: None when it is public, else the roles
    its ``require_roles`` names (admin always passes) or, when it names none, the staff."""
    if _marked(view_function, "_salesloop_public", method, False):
        return None
    return _marked(view_function, "_salesloop_roles", method) or DEFAULT_ROLES


def _ensure_allowed(view_function: Callable[..., Any], principal: Principal) -> None:
    """Deny by default: a route without ``require_roles`` is for the staff roles only.

    Checked here, before any body is read or validated, so a caller without the
    role learns nothing of what the route expects; ``require_roles`` checks again
    in its wrapper for views called some other way."""
    if _is_public(view_function):
        return
    roles = route_roles(view_function, request.method)
    if roles is not None and not principal.has(*roles, "admin"):
        detail = ("This needs a staff role." if roles == DEFAULT_ROLES
                  else f"This needs one of the roles: {', '.join(roles)}.")
        raise Problem(403, "Forbidden", detail, kind="forbidden")


def authenticate_request() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    g.principal = None
    header = request.headers.get("Authorization", "")
    if view is None or request.method == "OPTIONS":
        return
    if _is_public(view) and not header:
        return
    if not header.startswith("Bearer "):
        raise Problem(401, "Unauthorized", "A bearer token is required.", kind="unauthorized")
    try:
        g.principal = current_app.extensions["salesloop"].verifier.verify(header[7:].strip())
    except jwt.PyJWKClientConnectionError as exc:
        raise Problem(503, "Service Unavailable", "The identity provider's keys cannot be fetched.",
                      kind="jwks-unavailable") from exc
    except jwt.PyJWTError as exc:
        raise Problem(401, "Unauthorized", f"Invalid token: {exc}", kind="invalid-token") from exc
    _ensure_allowed(view, g.principal)


def current_principal() -> Principal:
    principal: Principal | None = getattr(g, "principal", None)
    if principal is None:
        raise Problem(401, "Unauthorized", "A bearer token is required.", kind="unauthorized")
    return principal


def require_roles(*roles: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator: the caller needs at least one of these roles (admin always passes)."""

    def decorate(view: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(view)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            principal = current_principal()
            if not principal.has(*roles, "admin"):
                raise Problem(403, "Forbidden", f"This needs one of the roles: {', '.join(roles)}.",
                              kind="forbidden")
            return view(*args, **kwargs)

        _mark(wrapper, "_salesloop_roles", roles)
        return wrapper

    return decorate


# -- object-level visibility -----------------------------------------------------------------
def can_see(principal: Principal, owner: str | None, team: str | None, region: str | None) -> bool:
    scope = principal.scope
    if scope == "all":
        return True
    if scope == "region":
        return region is not None and region == principal.region
    if scope == "team":
        return (team is not None and team == principal.team) or owner == principal.user
    return owner is not None and owner == principal.user


def can_serve(principal: Principal, owner: str | None, team: str | None, region: str | None) -> bool:
    """Customer-facing records (customers, orders, tickets): what one sees, and for
    customer care also its own region's. People records (reviews, scorecards) stay ``can_see``."""
    if can_see(principal, owner, team, region):
        return True
    return bool(principal.roles & CARE_ROLES) and (principal.region is None or region == principal.region)


def serving_clause(principal: Principal, owner_col: SQLColumnExpression[Any], team_col: SQLColumnExpression[Any],
                   region_col: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """``can_serve`` as a WHERE clause."""
    seen = visibility_clause(principal, owner_col, team_col, region_col)
    if principal.roles & CARE_ROLES:
        return seen | (region_col == principal.region) if principal.region else true()
    return seen


def within_scope(principal: Principal, owner: str | None, team: str | None, region: str | None) -> bool:
    """Whether a record the caller creates or moves would land inside their own scope.

    Stricter than ``can_see``: a rep who owns a record still may not file it under
    another team or region, where it would count for, and be seen by, others."""
    scope = principal.scope
    if scope == "all" or principal.has("service"):  # another service of ours acts for the company
        return True
    if principal.roles & CARE_ROLES and owner == principal.user:
        return principal.region is None or region == principal.region
    if scope == "region":
        return region is not None and region == principal.region
    same_team = team == principal.team and (region is None or region == principal.region)
    if scope == "team":
        return principal.team is not None and same_team
    return owner == principal.user and same_team


def ensure_within_scope(principal: Principal, owner: str | None, team: str | None, region: str | None) -> None:
    """422 naming the field that points outside the caller's scope."""
    if within_scope(principal, owner, team, region):
        return
    if principal.scope == "own" and owner != principal.user:
        field, message = "owner", "you can only file records as your own"
    elif principal.scope != "region" and not principal.roles & CARE_ROLES and team != principal.team:
        field, message = "team", "must be your own team"
    else:
        field, message = "region", "must be your own region"
    raise Problem(422, "Unprocessable Entity", "The request has invalid fields.", kind="validation-error",
                  errors={field: [message]})


def ensure_referable(principal: Principal, owner: str | None, team: str | None, region: str | None,
                     field: str, what: str) -> None:
    """A record named by id in a body is checked like one named in the URL.

    422 rather than 404, since it is the body that is wrong, and the same message
    whether the record is missing or outside the caller's scope."""
    if not can_refer(principal, owner, team, region):
        raise_unknown_reference(field, what)


def can_refer(principal: Principal, owner: str | None, team: str | None, region: str | None) -> bool:
    """What a caller may name in a body: what they serve, and a record nobody owns yet
    that is filed under their team or under no team at all (the company's pool)."""
    if can_serve(principal, owner, team, region):
        return True
    return owner is None and (team is None or team == principal.team)


def raise_unknown_reference(field: str, what: str) -> None:
    raise Problem(422, "Unprocessable Entity", "The request has invalid fields.", kind="validation-error",
                  errors={field: [f"No such {what}."]})


def ensure_visible(principal: Principal, owner: str | None, team: str | None, region: str | None,
                   what: str = "record") -> None:
    """404, not 403: a caller outside the scope should not learn that the record exists."""
    if not can_see(principal, owner, team, region):
        raise Problem(404, "Not Found", f"No such {what}.", kind="not-found")


def visibility_clause(principal: Principal, owner_col: SQLColumnExpression[Any],
                      team_col: SQLColumnExpression[Any], region_col: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    scope = principal.scope
    if scope == "all":
        return true()
    if scope == "region":
        return region_col == principal.region if principal.region else false()
    if scope == "team":
        return (team_col == principal.team) | (owner_col == principal.user) if principal.team else owner_col == principal.user
    return owner_col == principal.user


# -- personal data -----------------------------------------------------------------------------
def can_see_personal_data(principal: Principal | None, owner: str | None = None) -> bool:
    if principal is None:
        return False
    return bool(principal.roles & PII_ROLES) or (owner is not None and owner == principal.user)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    compact = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    digits = compact[3:] if compact.startswith("+86") else compact.lstrip("+")
    if len(digits) < 11:  # a short number would be nearly all shown: keep only its end
        return "*" * max(0, len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


# Contact data inside free text (a transcript, a note): e-mail addresses, mainland
# mobile numbers with or without +86 and separators, and landlines with an area code.
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:(?:\+|00)?86[-\s]?)?1[3-9]\d(?:[-\s]?\d){8}(?!\d)"
                            r"|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")


def mask_contacts(text: str | None) -> str | None:
    """Free text with every e-mail address and phone number in it masked as fields are."""
    if not text:
        return text
    text = _EMAIL_IN_TEXT.sub(lambda match: mask_email(match.group()) or "", text)
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()) or "", text)
