"""WSGI entry point: `gunicorn wsgi:app`."""

from ideas import create_app
from ideas.search import background

app = create_app()
# Work that runs beside the requests of a web process, not in every app the factory
# builds (tests, CLI commands, scripts): the thread that drains the search queue.
background.register(app)
