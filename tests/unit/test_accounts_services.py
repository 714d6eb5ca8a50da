"""Account services and the instance-folder defaults: registration, sign-in, profiles, roles."""

import os
import stat

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from config import TestConfig
from ideas import _load_or_create_secret_key, create_app
from ideas.accounts.models import Role, User
from ideas.accounts.services import (
    authenticate,
    email_domain_allowed,
    get_user_by_email,
    load_user,
    register_user,
    set_role,
    update_profile,
)
from ideas.domain import DomainError
from ideas.extensions import db

PASSWORD = "correct-horse-battery"


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- register_user -----------------------------------------------------------------------


def test_register_user_creates_a_member(ctx):
    user = register_user("jane.doe@example.gc.ca", "Jane Doe", PASSWORD)
    assert user.id is not None
    assert user.role is Role.MEMBER
    assert user.locale == "en"
    assert user.active is True
    assert user.department is None
    assert user_count() == 1


def test_register_user_normalises_the_email(ctx):
    user = register_user("  Jane.Doe@Example.GC.CA \n", "Jane Doe", PASSWORD)
    assert user.email == "jane.doe@example.gc.ca"
    assert get_user_by_email(" JANE.DOE@example.gc.ca ") is user


def test_register_user_hashes_the_password_with_the_configured_method(app, ctx):
    user = register_user("jane@example.gc.ca", "Jane Doe", PASSWORD)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert check_password_hash(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    "again", ["jane@example.gc.ca", "JANE@Example.gc.ca", " jane@example.gc.ca"]
)
def test_register_user_refuses_a_duplicate_email(ctx, again):
    register_user("jane@example.gc.ca", "Jane Doe", PASSWORD)
    with pytest.raises(DomainError) as raised:
        register_user(again, "Another Jane", PASSWORD)
    assert raised.value.field == "email"
    assert user_count() == 1


@pytest.mark.parametrize(
    "email",
    [
        "a@gc.ca",
        "a@tbs-sct.gc.ca",
        "a@deep.sub.gc.ca",
        "A@TBS-SCT.GC.CA",
        "a@canada.ca",
        "a@ontario.ca",
    ],
)
def test_allowed_email_domains_accept_domains_and_subdomains(app, ctx, email):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["gc.ca", "canada.ca", "ontario.ca"]
    assert register_user(email, "Someone", PASSWORD).email == email.lower()


@pytest.mark.parametrize(
    "email",
    [
        "a@example.com",
        "a@evilgc.ca",  # ends with "gc.ca" but is not a subdomain of it
        "a@notcanada.ca",
        "a@gc.ca.evil.com",
        "a@evil.com@gc.ca.evil.com",
        "a@gc.ca@evil.com",
        "a@ca",
    ],
)
def test_allowed_email_domains_refuse_other_domains(app, ctx, email):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["gc.ca", "canada.ca", "ontario.ca"]
    with pytest.raises(DomainError) as raised:
        register_user(email, "Someone", PASSWORD)
    assert raised.value.field == "email"
    assert user_count() == 0


def test_no_allowed_domains_means_any_domain(app, ctx):
    app.config["ALLOWED_EMAIL_DOMAINS"] = []
    assert register_user("someone@example.com", "Someone", PASSWORD).id is not None
    assert email_domain_allowed("x@anything.example", [])


@pytest.mark.parametrize("length", [0, 1, 11, 129, 500])
def test_register_user_refuses_passwords_outside_12_to_128(ctx, length):
    with pytest.raises(DomainError) as raised:
        register_user("jane@example.gc.ca", "Jane Doe", "p" * length)
    assert raised.value.field == "password"
    assert user_count() == 0


def test_domain_errors_outside_a_request_carry_a_readable_message(ctx):
    # Services run from the CLI (`flask users create`) without a request: building the
    # translated message must not need a session or an Accept-Language header.
    with pytest.raises(DomainError) as raised:
        register_user("jane@example.gc.ca", "Jane Doe", "short")
    assert str(raised.value) == "Use at least 12 characters."
    assert str(raised.value.message) == "Use at least 12 characters."


@pytest.mark.parametrize("length", [12, 13, 64, 128])
def test_register_user_accepts_passwords_of_12_to_128(ctx, length):
    password = ("Uncommon-pass-" * 10)[:length]
    user = register_user(f"jane{length}@example.gc.ca", "Jane Doe", password)
    assert check_password_hash(user.password_hash, password)


def test_password_bounds_come_from_the_configuration(app, ctx):
    app.config["PASSWORD_MIN_LENGTH"] = 20
    with pytest.raises(DomainError):
        register_user("jane@example.gc.ca", "Jane Doe", "p" * 19)
    assert register_user("jane@example.gc.ca", "Jane Doe", "p" * 20).id is not None


@pytest.mark.parametrize("locale", ["de", "", "EN", "zh", "zh_TW", "fr_CA"])
def test_register_user_refuses_an_unknown_locale(ctx, locale):
    with pytest.raises(DomainError) as raised:
        register_user("jane@example.gc.ca", "Jane Doe", PASSWORD, locale=locale)
    assert raised.value.field == "locale"
    assert user_count() == 0


@pytest.mark.parametrize("locale", ["en", "fr", "zh_Hant_TW"])
def test_register_user_accepts_every_offered_locale(ctx, locale):
    assert register_user("jane@example.gc.ca", "Jane", PASSWORD, locale=locale).locale == locale


def test_register_user_keeps_the_department_and_role(ctx, make_department):
    department = make_department()
    user = register_user("jane@example.gc.ca", "Jane", PASSWORD, department, role=Role.ADMIN)
    assert user.department_id == department.id
    assert user.role is Role.ADMIN


def test_display_name_is_normalised(ctx):
    # Full-width letters become ASCII (NFKC) and runs of whitespace become one space.
    user = register_user("jane@example.gc.ca", "  Ｊａｎｅ \t  Doe ", PASSWORD)
    assert user.display_name == "Jane Doe"


@pytest.mark.parametrize("name", ["Jane\u200bDoe", "Jane\x00Doe", "Jane\u202eeoD", "Jane\x7f"])
def test_display_name_refuses_control_and_format_characters(ctx, name):
    with pytest.raises(DomainError):
        register_user("jane@example.gc.ca", name, PASSWORD)
    assert user_count() == 0


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_display_name_cannot_be_blank(ctx, name):
    with pytest.raises(DomainError):
        register_user("jane@example.gc.ca", name, PASSWORD)
    assert user_count() == 0


def test_display_name_is_limited_after_normalising(ctx):
    # "ﷺ" is one character that NFKC expands to 18: five of them pass a form's length
    # check but become 90 characters, more than the 80 the column holds.
    with pytest.raises(DomainError):
        register_user("jane@example.gc.ca", "\ufdfa" * 5, PASSWORD)
    assert user_count() == 0
    assert register_user("jane@example.gc.ca", "x" * 80, PASSWORD).display_name == "x" * 80


# --- authenticate ------------------------------------------------------------------------


def test_authenticate_with_the_right_password(ctx, make_user):
    user = make_user(email="jane@example.gc.ca")
    assert authenticate("jane@example.gc.ca", PASSWORD) is user
    assert authenticate("  JANE@Example.gc.ca ", PASSWORD) is user


@pytest.mark.parametrize("password", ["wrong-password-123", PASSWORD.upper(), PASSWORD + " ", ""])
def test_authenticate_with_a_wrong_password(ctx, make_user, password):
    make_user(email="jane@example.gc.ca")
    assert authenticate("jane@example.gc.ca", password) is None


def test_authenticate_an_unknown_email(ctx, make_user):
    make_user(email="jane@example.gc.ca")
    assert authenticate("john@example.gc.ca", PASSWORD) is None


def test_authenticate_refuses_an_inactive_user(ctx, make_user):
    user = make_user(email="jane@example.gc.ca")
    user.active = False
    db.session.flush()
    assert authenticate("jane@example.gc.ca", PASSWORD) is None


@pytest.mark.parametrize("new_method", ["scrypt:2048:8:1", "pbkdf2:sha256:1000"])
def test_authenticate_rehashes_when_the_hash_method_changes(app, ctx, make_user, new_method):
    user = make_user(email="jane@example.gc.ca")
    old_hash = user.password_hash
    assert old_hash.startswith("scrypt:1024:8:1$")
    app.config["PASSWORD_HASH_METHOD"] = new_method
    # A wrong password never touches the stored hash.
    assert authenticate("jane@example.gc.ca", "wrong-password-123") is None
    assert user.password_hash == old_hash
    # The right one upgrades it to the configured method, and it still verifies.
    assert authenticate("jane@example.gc.ca", PASSWORD) is user
    db.session.expire(user)
    assert user.password_hash.startswith(new_method + "$")
    assert check_password_hash(user.password_hash, PASSWORD)
    # Once upgraded, signing in again leaves it alone.
    upgraded = user.password_hash
    assert authenticate("jane@example.gc.ca", PASSWORD) is user
    assert user.password_hash == upgraded


def test_authenticate_keeps_a_current_hash(ctx, make_user):
    user = make_user(email="jane@example.gc.ca")
    old_hash = user.password_hash
    assert authenticate("jane@example.gc.ca", PASSWORD) is user
    assert user.password_hash == old_hash


def test_load_user_only_loads_active_users(ctx, make_user):
    user = make_user()
    assert load_user(user.get_id()) is user
    assert load_user("not-a-number") is None
    assert load_user(f"{user.id + 1000}:{user.session_token}") is None
    user.active = False
    db.session.flush()
    assert load_user(user.get_id()) is None


# --- update_profile and set_role ---------------------------------------------------------


def test_update_profile_changes_name_department_and_locale(ctx, make_user, make_department):
    department = make_department()
    user = make_user()
    assert update_profile(user, "  New   Name ", department, "fr") is user
    db.session.expire(user)
    assert user.display_name == "New Name"
    assert user.department_id == department.id
    assert user.locale == "fr"
    update_profile(user, "New Name", None, "zh_Hant_TW")
    db.session.expire(user)
    assert user.department_id is None
    assert user.locale == "zh_Hant_TW"


def test_update_profile_refuses_a_bad_locale_and_changes_nothing(ctx, make_user):
    user = make_user(display_name="Old Name")
    with pytest.raises(DomainError) as raised:
        update_profile(user, "New Name", None, "de")
    assert raised.value.field == "locale"
    db.session.expire(user)
    assert (user.display_name, user.locale) == ("Old Name", "en")


def test_update_profile_refuses_control_characters(ctx, make_user):
    user = make_user(display_name="Old Name")
    with pytest.raises(DomainError):
        update_profile(user, "Bad\x00Name", None, "en")
    assert user.display_name == "Old Name"


@pytest.mark.parametrize("role", list(Role))
def test_set_role(ctx, make_user, role):
    user = make_user()
    assert set_role(user, role) is user
    db.session.expire(user)
    assert user.role is role
    assert user.is_staff is (role in (Role.SECRETARIAT, Role.ADMIN))
    assert user.is_admin is (role is Role.ADMIN)


# --- The instance folder: secret key and default database --------------------------------


def test_secret_key_is_generated_once_and_reused(tmp_path):
    key = _load_or_create_secret_key(tmp_path)
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == key
    assert len(key) == 64
    int(key, 16)  # hexadecimal
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _load_or_create_secret_key(tmp_path) == key
    assert key_file.read_text() == key


def test_secret_key_differs_between_instances(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _load_or_create_secret_key(tmp_path / "a") != _load_or_create_secret_key(tmp_path / "b")


def test_an_existing_secret_key_file_is_used_as_is(tmp_path):
    (tmp_path / "secret_key").write_text("operator-provided-key\n")
    assert _load_or_create_secret_key(tmp_path) == "operator-provided-key"


def _instance_config(**overrides):
    return type(
        "InstanceConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": None, **overrides},
    )


def test_database_and_secret_default_to_the_instance_folder(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(instance))
    app = create_app(_instance_config())
    try:
        assert app.instance_path == str(instance)
        assert instance.is_dir()
        assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'ideas.db'}"
        with app.app_context():
            assert db.engine.url.get_backend_name() == "sqlite"
            assert db.engine.url.database == str(instance / "ideas.db")
        assert app.secret_key == (instance / "secret_key").read_text()
    finally:
        with app.app_context():
            db.engine.dispose()

    # A restart (a second app on the same instance folder) keeps the same key.
    again = create_app(_instance_config())
    try:
        assert again.secret_key == app.secret_key
    finally:
        with again.app_context():
            db.engine.dispose()


def test_configured_database_and_secret_are_not_replaced(monkeypatch, tmp_path):
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    app = create_app(_instance_config(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="given-key"))
    try:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == url
        assert app.secret_key == "given-key"
        assert not os.path.exists(tmp_path / "secret_key")
    finally:
        with app.app_context():
            db.engine.dispose()
