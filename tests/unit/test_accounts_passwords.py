"""The password policy and hashing: lengths, the shipped common-passwords list, scrypt cost."""

import pytest
from werkzeug.security import check_password_hash

from config import Config
from ideas.accounts.passwords import (
    COMMON_PASSWORDS_FILE,
    check_password_rules,
    common_passwords,
    is_common_password,
)
from ideas.accounts.services import authenticate, register_user
from ideas.domain import DomainError
from tests.conftest import PASSWORD


def test_the_list_ships_with_the_project_and_says_where_it_comes_from():
    header = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split("\n", 12)[:12]
    assert any("Origin" in line for line in header)
    assert all(line.startswith("#") for line in header[:9])
    assert len(common_passwords()) > 5000


def test_the_list_holds_no_comments_or_blank_entries():
    assert "" not in common_passwords()
    assert not any(entry.startswith("#") for entry in common_passwords())
    assert all(entry == entry.casefold() for entry in common_passwords())


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PASSWORD1234",
        "PassWord1234",
        "qwertyuiopasdfghjkl",
        "1q2w3e4r5t6y7u8i",
        "correcthorsebatterystaple",
        "123456789012",
        "passwordpassword",
        "iloveyou2026",
    ],
)
def test_common_passwords_are_refused_in_any_case(ctx, password):
    assert is_common_password(password)
    with pytest.raises(DomainError) as raised:
        check_password_rules(password)
    assert raised.value.field == "password"
    assert str(raised.value) == (
        "This password is too common and easy to guess. Choose another one."
    )


@pytest.mark.parametrize(
    "password", [PASSWORD, "demo-password-2026", "a-long-enough-passphrase", "Tr0mbone-Kettle!"]
)
def test_uncommon_passwords_pass(ctx, password):
    assert not is_common_password(password)
    check_password_rules(password)


def test_the_error_names_the_field_it_was_asked_for(ctx):
    with pytest.raises(DomainError) as raised:
        check_password_rules("short", field="new_password")
    assert raised.value.field == "new_password"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [("x" * 11 + "y", True), ("xy" * 5 + "z", False), ("é" * 11 + "a", True)],
)
def test_length_counts_characters_not_bytes(ctx, password, accepted):
    if accepted:
        check_password_rules(password)
    else:
        with pytest.raises(DomainError):
            check_password_rules(password)


def test_registration_refuses_a_common_password(ctx):
    with pytest.raises(DomainError) as raised:
        register_user("jane@example.gc.ca", "Jane Doe", "Password2026")
    assert raised.value.field == "password"


# --- Hashing ------------------------------------------------------------------------------


def test_production_hashing_is_scrypt_with_n_2_17_r_8_p_1():
    assert Config.PASSWORD_HASH_METHOD == "scrypt:131072:8:1"


def test_a_production_cost_hash_verifies_and_is_upgraded_from_the_test_cost(app, ctx, make_user):
    user = make_user(email="jane@example.gc.ca")
    assert user.password_hash.startswith("scrypt:1024:8:1$")
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    assert authenticate("jane@example.gc.ca", PASSWORD) is user
    assert user.password_hash.startswith("scrypt:131072:8:1$")
    assert check_password_hash(user.password_hash, PASSWORD)
