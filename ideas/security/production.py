"""Start-up checks: a production deployment refuses to start with an unsafe configuration.

`IDEAS_ENV` says where the app runs. `development` (the default) keeps `make run` working
with nothing to configure: the secret key is generated once into `instance/secret_key`.
`production` is what a deployment sets; there `create_app` refuses to start, with a message
saying what to fix, when

- debug mode is on (`FLASK_DEBUG=1`, `flask run --debug`, or `DEBUG = True` in a config
  class): the debugger would show tracebacks, source and an interactive console to anyone;
- `SECRET_KEY` is not set explicitly, or is shorter than 32 characters: a key generated per
  host differs between app servers (sessions and CSRF tokens would fail at random) and is
  lost with the instance folder, and a short key can be guessed.
"""

from flask import Flask

ENVIRONMENTS = ("development", "production")
SECRET_KEY_MIN_LENGTH = 32


class UnsafeConfiguration(RuntimeError):
    """The configuration is not safe to serve in production; the message says why."""


def check_environment(app: Flask) -> None:
    """Refuse to build the app when `IDEAS_ENV` is unknown or production settings are unsafe.

    Runs before the instance defaults are filled in, so a missing SECRET_KEY is still
    visible as missing rather than replaced by a generated one.
    """
    environment = app.config.get("IDEAS_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise UnsafeConfiguration(
            f"IDEAS_ENV is {environment!r}; it must be one of {', '.join(ENVIRONMENTS)}."
        )
    if environment != "production":
        return
    if app.debug or app.config.get("DEBUG"):
        raise UnsafeConfiguration(
            "IDEAS_ENV=production refuses to start in debug mode, which shows tracebacks "
            "and an interactive debugger to anyone: unset FLASK_DEBUG and do not pass --debug."
        )
    secret_key = app.config.get("SECRET_KEY")
    if not secret_key:
        raise UnsafeConfiguration(
            "IDEAS_ENV=production needs an explicit SECRET_KEY, the same on every app server "
            "(for example the output of: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if len(str(secret_key)) < SECRET_KEY_MIN_LENGTH:
        raise UnsafeConfiguration(
            f"IDEAS_ENV=production needs a SECRET_KEY of at least {SECRET_KEY_MIN_LENGTH} "
            "random characters; the one set is too short to resist guessing."
        )
