"""Credential services without HTTP: registration links, reset tokens, session tokens."""

import pytest

from ideas.accounts.credentials import (
    complete_registration,
    read_registration,
    request_password_reset,
    start_registration,
    user_for_reset_token,
)
from ideas.accounts.models import Department, User
from ideas.accounts.services import end_all_sessions, load_user
from ideas.accounts.tokens import REGISTER_SALT, account_fingerprint, make_token
from ideas.domain import DomainError
from ideas.extensions import db
from tests.conftest import PASSWORD


def _links():
    """A `link` function that remembers the tokens it was given."""
    tokens: list[str] = []

    def link(token: str) -> str:
        tokens.append(token)
        return f"http://localhost/t/{token}"

    return link, tokens


def _start(email="ada@example.gc.ca", password=PASSWORD, locale="en", name="Ada", dept=None):
    link, tokens = _links()
    start_registration(email, name, password, dept, locale, link, "http://s", "http://r")
    return tokens


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "Password123456"}, "password"),
        ({"locale": "de"}, "locale"),
        ({"name": "\u202eevil"}, "display_name"),
    ],
)
def test_an_invalid_registration_sends_nothing(ctx, mail_server, changes, field):
    with pytest.raises(DomainError) as raised:
        _start(**changes)
    assert raised.value.field == field
    assert mail_server.settle() == []


def test_a_registration_outside_the_allowed_domains_sends_nothing(app, ctx, mail_server):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["gc.ca"]
    with pytest.raises(DomainError) as raised:
        _start(email="ada@gmail.com")
    assert raised.value.field == "email"
    assert mail_server.settle() == []


def test_the_registration_token_carries_no_password(ctx, make_department, mail_server):
    department = make_department()
    tokens = _start(dept=department)
    pending = read_registration(tokens[0])
    assert pending["e"] == "ada@example.gc.ca"
    assert pending["d"] == department.id
    assert PASSWORD not in str(pending)
    assert pending["h"].startswith("scrypt:")


def test_completing_a_registration_whose_department_was_removed(ctx, make_department):
    department = make_department()
    tokens = _start(dept=department)
    db.session.delete(db.session.get(Department, department.id))
    db.session.flush()
    user = complete_registration(tokens[0])
    assert user.department is None
    assert load_user(user.get_id()) is user


def test_a_registration_link_stops_working_when_its_domain_is_no_longer_allowed(app, ctx):
    tokens = _start()
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["canada.ca"]
    with pytest.raises(DomainError):
        complete_registration(tokens[0])


def test_a_registration_token_missing_fields_is_refused(ctx):
    token = make_token(REGISTER_SALT, {"e": "ada@example.gc.ca"})
    assert read_registration(token) is None
    with pytest.raises(DomainError):
        complete_registration(token)


def test_the_fingerprint_changes_with_password_email_and_session_token(ctx, make_user):
    user = make_user()
    seen = {account_fingerprint(user)}
    user.password_hash = user.password_hash + "x"
    seen.add(account_fingerprint(user))
    user.email = "moved@example.gc.ca"
    seen.add(account_fingerprint(user))
    end_all_sessions(user)
    seen.add(account_fingerprint(user))
    assert len(seen) == 4


def test_a_reset_token_dies_when_the_session_token_changes(ctx, make_user):
    user = make_user()
    link, tokens = _links()
    request_password_reset(user.email, link)
    assert user_for_reset_token(tokens[0]) is user
    end_all_sessions(user)
    assert user_for_reset_token(tokens[0]) is None


def test_end_all_sessions_invalidates_the_old_session_id(ctx, make_user):
    user = make_user()
    old_id = user.get_id()
    end_all_sessions(user)
    assert load_user(old_id) is None
    assert load_user(user.get_id()) is user
    assert db.session.get(User, user.id).session_token != old_id.partition(":")[2]
