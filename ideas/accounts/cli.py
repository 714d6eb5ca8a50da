"""Operator commands: `flask users create` and `flask users set-role`."""

import click
from flask.cli import AppGroup

from ideas.accounts.models import Role
from ideas.accounts.services import get_user_by_email, register_user, set_role
from ideas.domain import DomainError
from ideas.web import transaction

users_cli = AppGroup("users", help="Manage user accounts.")
ROLE_CHOICE = click.Choice([role.value for role in Role])


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, default=Role.MEMBER.value, show_default=True)
@click.option("--name", "display_name", help="Display name (default: the part before @).")
@click.password_option(prompt="Password", help="Prompted for if not given.")
def create_user_command(email: str, role: str, display_name: str | None, password: str) -> None:
    """Create an account with the given role."""
    try:
        with transaction():
            user = register_user(
                email, display_name or email.split("@")[0], password, role=Role(role)
            )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(email: str, role: str) -> None:
    """Give an existing account a new role."""
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    with transaction():
        set_role(user, Role(role), actor=None)  # the operator at the command line
    click.echo(f"{user.email} is now {role}.")
