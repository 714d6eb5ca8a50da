"""Account rules: registration, authentication, profiles and roles."""

import hmac
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ideas.accounts.models import Department, Role, User, new_session_token
from ideas.accounts.passwords import check_password_rules
from ideas.audit.services import record
from ideas.domain import DomainError
from ideas.extensions import db

DISPLAY_NAME_MIN, DISPLAY_NAME_MAX = 2, 80  # the column holds 80


def normalize_email(email: str) -> str:
    """Emails are compared and stored trimmed and lower-cased."""
    return email.strip().lower()


def email_domain_allowed(email: str, allowed_domains: list[str]) -> bool:
    """True if the address's domain is, or is a subdomain of, an allowed domain (or none set)."""
    if not allowed_domains:
        return True
    domain = normalize_email(email).rpartition("@")[2]
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in allowed_domains)


def clean_display_name(name: str) -> str:
    """Normalise a display name (NFKC, single spaces) and refuse control characters."""
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise DomainError(
            _l("The display name contains characters that are not allowed."), field="display_name"
        )
    # Checked after NFKC, which can lengthen a name past what the column holds.
    if not DISPLAY_NAME_MIN <= len(cleaned) <= DISPLAY_NAME_MAX:
        raise DomainError(
            _l(
                "Use %(low)d to %(high)d characters.",
                low=DISPLAY_NAME_MIN,
                high=DISPLAY_NAME_MAX,
            ),
            field="display_name",
        )
    return cleaned


def hash_password(password: str) -> str:
    """Hash with the configured method and cost (never the library's default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def get_user_by_email(email: str) -> User | None:
    """Find a user by email, ignoring case and surrounding spaces."""
    email = normalize_email(email)
    if "\x00" in email:
        return None  # no stored address has one, and PostgreSQL refuses it in a query
    return db.session.scalar(select(User).where(User.email == email))


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user for a session id ("id:token"), if it is still valid.

    The id is refused when its session token is no longer the account's (the person signed
    out, changed the password or signed out everywhere since), and when the account was
    deactivated or deleted: every older session and remember cookie stops working at once.
    """
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Replace the session token: every session and remember cookie of this user ends."""
    user.session_token = new_session_token()
    db.session.flush()


def register_user(
    email: str,
    display_name: str,
    password: str,
    department: Department | None = None,
    locale: str = "en",
    role: Role = Role.MEMBER,
) -> User:
    """Create an account after checking the email domain, uniqueness and password rules."""
    email = normalize_email(email)
    if not email_domain_allowed(email, current_app.config["ALLOWED_EMAIL_DOMAINS"]):
        raise DomainError(
            _l("Use your work email address; this domain is not accepted here."), field="email"
        )
    if get_user_by_email(email) is not None:
        raise DomainError(_l("An account with this email already exists."), field="email")
    check_password_rules(password)
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    user = User(
        email=email,
        display_name=clean_display_name(display_name),
        password_hash=hash_password(password),
        department=department,
        locale=locale,
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


# A fixed hash to check against when the email is unknown, so that both failures cost
# the same time and an attacker cannot learn which addresses have accounts.
_DUMMY_HASH: dict[str, str] = {}


_HASH_PREFIX: dict[str, str] = {}


def _hash_prefix(method: str) -> str:
    """What a hash made with `method` starts with; Werkzeug fills in omitted parameters."""
    if method not in _HASH_PREFIX:
        _HASH_PREFIX[method] = generate_password_hash("probe", method=method).split("$", 1)[0]
    return _HASH_PREFIX[method]


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, else None (same cost either way)."""
    user = get_user_by_email(email)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if user is None or not user.is_active:  # unknown, deactivated or deleted
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    rehash_if_outdated(user, password)
    return user


def verify_password(actor: User, password: str) -> bool:
    """True if this is the actor's password (re-authentication); upgrades an old hash."""
    if not actor.is_active or not check_password_hash(actor.password_hash, password):
        return False
    rehash_if_outdated(actor, password)
    return True


def rehash_if_outdated(user: User, password: str) -> None:
    """Re-hash a just-verified password when the configured method or cost has changed."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if not user.password_hash.startswith(_hash_prefix(method) + "$"):
        user.password_hash = hash_password(password)
        db.session.flush()


def update_profile(
    actor: User, display_name: str, department: Department | None, locale: str
) -> User:
    """Change the actor's own display name, department and language."""
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    actor.display_name = clean_display_name(display_name)
    actor.department = department
    actor.locale = locale
    db.session.flush()
    return actor


def set_locale(actor: User, locale: str) -> None:
    """Remember a signed-in member's language choice."""
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    actor.locale = locale
    db.session.flush()


def set_role(user: User, role: Role, actor: User | None = None) -> User:
    """Give a user a new role and audit the change (callers check who may do this).

    `actor` is the administrator making the change, or None for the command line.
    """
    previous = user.role
    user.role = role
    if previous is not role:
        record(
            actor,
            "user.set_role",
            target_type="user",
            target_id=user.id,
            old=previous.value if previous is not None else None,
            new=role.value,
        )
    db.session.flush()
    return user


def list_departments() -> list[Department]:
    """All departments, for choosers, ordered by English name."""
    return list(db.session.scalars(select(Department).order_by(Department.name_en)))
