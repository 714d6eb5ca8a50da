"""WSGI entry point: `gunicorn wsgi:app`."""

from ideas import create_app

app = create_app()
