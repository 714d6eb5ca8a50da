"""The benchmark configuration of the app: production settings plus two reference endpoints.

`gunicorn 'bench.app:create_bench_app()'` serves the real application with:

* ``GET /_bench/b0`` — the floor (B0): loads 12 rows with Flask-SQLAlchemy, sorts them and
  renders a small Jinja template (TechEmpower's "fortunes" shape), behind the same sign-in
  as the real pages;
* ``POST /_bench/insert`` — a bare single-row INSERT in its own transaction, the yardstick
  for vote POSTs.

Neither exists in production: only this module registers them. Settings come from the
environment (DATABASE_URL, SEARCH_INDEX_DIR, BENCH_POOL_SIZE).
"""

import os

from flask import Blueprint, Flask, render_template_string
from flask_login import current_user, login_required
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select

from config import Config
from ideas.accounts.models import Department
from ideas.extensions import db
from ideas.timeutil import utcnow

bp = Blueprint("bench", __name__)
# A scratch table of the benchmark database only (created by bench/run.py, no migration).
bench_metadata = MetaData()
bench_row = Table(
    "bench_row",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
B0_TEMPLATE = """<!doctype html><html lang="en"><head><title>B0</title></head><body>
<table><caption>Departments</caption><tr><th scope="col">id</th><th scope="col">name</th></tr>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td></tr>{% endfor %}
</table></body></html>"""


@bp.get("/_bench/b0")
@login_required
def floor():
    """Twelve rows, one added in memory, sorted by name, in a small template."""
    rows = [
        {"id": d.id, "name": d.name_en}
        for d in db.session.scalars(select(Department).order_by(Department.id).limit(12))
    ]
    rows.append({"id": 0, "name": "Additional row added at request time."})
    rows.sort(key=lambda row: row["name"])
    return render_template_string(B0_TEMPLATE, rows=rows)


@bp.post("/_bench/insert")
@login_required
def bare_insert():
    """One INSERT of one row, committed: what a vote costs at the very least."""
    db.session.execute(insert(bench_row).values(user_id=current_user.id, created_at=utcnow()))
    db.session.commit()
    return {"ok": True}


class BenchConfig(Config):
    """Production settings, without rate limits and CSRF (the load generator sends neither)."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "bench-secret-key")
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    SEARCH_LOCK_TIMEOUT = 30.0
    # About one or two connections per sync worker (issue 8): a worker serves one request
    # at a time, so a larger pool only holds idle connections open.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": int(os.environ.get("BENCH_POOL_SIZE", "2")),
        "max_overflow": 0,
    }


def create_bench_app(config: type[Config] = BenchConfig) -> Flask:
    """The application with the benchmark-only endpoints registered."""
    from ideas import create_app
    from ideas.security.access import ACCESS_TABLE, SIGNED_IN

    app = create_app(config)
    app.register_blueprint(bp)
    # Deny by default: the benchmark endpoints get their cells in this process only.
    ACCESS_TABLE.setdefault("bench.floor", {"GET": SIGNED_IN})
    ACCESS_TABLE.setdefault("bench.bare_insert", {"POST": SIGNED_IN})
    return app
