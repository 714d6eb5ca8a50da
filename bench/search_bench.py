"""Search benchmark: N multilingual ideas in a scratch SQLite database, then timings.

    .venv/bin/python bench/search_bench.py --ideas 10000

Builds the ideas by bulk insert (no per-idea indexing), runs `rebuild()`, then measures
search p50/p95 (the whole `query()` a page calls: parse, search, load, highlight, suggest),
similar-ideas p50/p95, reindexing one idea after a change (a vote, written as SQL so that no
event indexes it first), and reports the rebuild time and the index size. A measurement,
never a test: nothing here asserts a time.
"""

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_corpus import Corpus

QUERIES = [
    "budget",
    "open data",
    '"open data"',
    "telework policy",
    "training OR mentoring",
    "service NOT paper",
    "title:collaboration",
    "équipe",
    "équipes fédérales",
    "formation des employés",
    "公務員",
    "數位轉型",
    "gouvern*",
    "digitl servce",
    "procurement rules",
    "mental health workplace",
    "author:tremblay",
    "climate",
    "housing",
    "red tape forms",
]
SORTS = ("relevance", "votes", "newest")


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def build_app(workdir: Path):
    """An app on a scratch SQLite database and index, schema from the migrations."""
    os.environ["IDEAS_INSTANCE_PATH"] = str(workdir / "instance")
    from flask_migrate import upgrade

    from config import Config
    from ideas import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
        "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        "SECRET_KEY": "bench",
        "SEARCH_LOCK_TIMEOUT": 30.0,
    }
    app = create_app(type("BenchConfig", (Config,), settings))
    with app.app_context():
        upgrade()
    return app


def insert_rows(app, count: int, seed: int) -> dict:
    """Departments, users, groups, ideas and comments by bulk insert; returns row counts."""
    from sqlalchemy import insert, select

    from ideas.accounts.models import Department, GovernmentLevel, User
    from ideas.board.models import Comment, Idea, Theme
    from ideas.extensions import db
    from ideas.groups.models import Group, GroupKind
    from ideas.workflow.stages import Stage

    rng = random.Random(seed)
    corpus = Corpus(rng)
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.app_context():
        themes = list(db.session.scalars(select(Theme.id)))
        db.session.execute(
            insert(Department),
            [{"name_en": f"Department {i}", "name_fr": f"Ministère {i}", "name_zh": f"部門{i}",
              "level": GovernmentLevel.FEDERAL} for i in range(20)],
        )  # fmt: skip
        departments = list(db.session.scalars(select(Department.id)))
        users = max(50, count // 20)
        db.session.execute(
            insert(User),
            [{"email": f"user{i}@example.gc.ca", "display_name": corpus.person(),
              "password_hash": "x", "department_id": rng.choice(departments)}
             for i in range(users)],
        )  # fmt: skip
        user_ids = list(db.session.scalars(select(User.id)))
        db.session.execute(
            insert(Group),
            [{"name": f"Group {i}", "slug": f"group-{i}", "kind": GroupKind.TOPIC,
              "created_by_id": user_ids[0]} for i in range(10)],
        )  # fmt: skip
        group_ids = list(db.session.scalars(select(Group.id)))
        stages = [s for s in Stage if s is not Stage.MERGED]
        has_language = "language" in Idea.__table__.c
        comments = 0
        for start in range(0, count, 5000):
            rows = []
            for _ in range(min(5000, count - start)):
                language = rng.choices(["en", "fr", "zh_Hant_TW"], weights=[5, 3, 2])[0]
                title, body = corpus.idea(language)
                created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                up, down = int(rng.paretovariate(1.3)) - 1, int(rng.paretovariate(2)) - 1
                row = {
                    "title": title[:150], "body": body, "body_html": f"<p>{body}</p>",
                    "author_id": rng.choice(user_ids), "theme_id": rng.choice(themes),
                    "group_id": rng.choice(group_ids) if rng.random() < 0.3 else None,
                    "department_id": rng.choice(departments), "stage": rng.choice(stages),
                    "created_at": created, "updated_at": created, "stage_changed_at": created,
                    "up_count": up, "down_count": down, "hidden": rng.random() < 0.01,
                }  # fmt: skip
                if has_language:
                    row["language"] = language
                rows.append(row)
            db.session.execute(insert(Idea), rows)
            db.session.commit()
        idea_rows = db.session.execute(select(Idea.id, Idea.language if has_language else Idea.id))
        batch = []
        for idea_id, language in idea_rows.all():
            for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
                text = corpus.comment(language if has_language else "en")
                batch.append({"idea_id": idea_id, "author_id": rng.choice(user_ids),
                              "body": text, "body_html": f"<p>{text}</p>"})  # fmt: skip
            if len(batch) >= 10000:
                db.session.execute(insert(Comment), batch)
                comments += len(batch)
                batch = []
        if batch:
            db.session.execute(insert(Comment), batch)
            comments += len(batch)
        db.session.commit()
    return {"ideas": count, "users": users, "comments": comments}


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    """Wall-clock and CPU seconds one call takes (CPU time is what contention cannot inflate)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def generated_queries(rng: random.Random, count: int) -> list[str]:
    """Queries over the whole vocabulary: common and rare words, pairs, phrases, Chinese."""
    from bench.search_corpus import vocabulary

    words = vocabulary(random.Random(rng.random()))
    queries = []
    for i in range(count):
        language = ("en", "fr", "zh_Hant_TW")[i % 3]
        pick = [rng.choice(words[language]) for _ in range(2)]
        kind = i % 4
        if kind == 0 or language == "zh_Hant_TW":
            queries.append(pick[0])
        elif kind == 1:
            queries.append(" ".join(pick))
        elif kind == 2:
            queries.append(f'"{pick[0]} {pick[1]}"')
        else:
            queries.append(f"{pick[0]} OR {pick[1]}")
    return queries


def changed_then_indexed(app, index, idea_id: int) -> tuple[float, float]:
    """Give an idea one more vote (as SQL, so no event indexes it), then time indexing it."""
    from sqlalchemy import update

    from ideas.board.models import Idea
    from ideas.extensions import db

    db.session.execute(update(Idea).where(Idea.id == idea_id).values(up_count=Idea.up_count + 1))
    db.session.commit()
    return timed(index.index_ideas, [idea_id])


def measure(app, rounds: int, seed: int, rebuild: bool = True, reindex_runs: int = 200) -> dict:
    """Rebuild (unless told not to), then time searches, similar ideas and reindexing."""
    from sqlalchemy import select

    from ideas.board.models import Idea
    from ideas.extensions import db
    from ideas.search import index

    rng = random.Random(seed + 1)
    with app.app_context():
        report = index.rebuild() if rebuild else None
        sample = list(db.session.scalars(select(Idea).where(Idea.hidden.is_(False)).limit(2000)))
        titles = [
            (idea.title, idea.body[:400]) for idea in rng.sample(sample, min(200, len(sample)))
        ]
        ids = [idea.id for idea in sample]
    queries = QUERIES + generated_queries(rng, 40)
    search, by_sort, similar, reindex = [], {s: [] for s in SORTS}, [], []
    with app.test_request_context():
        for text in queries:  # warm caches once, as a running server would be
            index.query(text)
        for i in range(rounds):
            text, sort = queries[i % len(queries)], SORTS[i % len(SORTS)]
            seconds = timed(index.query, text, sort=sort, page=1 + (i % 5 == 4), per_page=20)
            search.append(seconds)
            by_sort[sort].append(seconds)
        for i in range(rounds):
            title, body = titles[i % len(titles)]
            words = title.split()
            # Members type a shorter or reworded version of an existing title.
            typed = " ".join(words[: max(3, len(words) - 2)]) if len(words) > 3 else title[:-2]
            similar.append(timed(index.similar, typed, body[:200] if i % 2 else ""))
        for i in range(min(rounds, reindex_runs)):
            reindex.append(changed_then_indexed(app, index, ids[(i * 7919) % len(ids)]))
    with app.app_context():
        report_size = index._store().size_bytes()

    def p(values, pct, which=0):
        return round(percentile([v[which] for v in values], pct), 1) if values else None

    return {
        "rebuild_seconds": round(report.seconds, 1) if report else None,
        "indexed_documents": report.documents if report else None,
        "index_bytes": report_size,
        "search_p50_ms": p(search, 50),
        "search_p95_ms": p(search, 95),
        "search_p95_cpu_ms": p(search, 95, 1),
        "search_p50_cpu_ms": p(search, 50, 1),
        "search_p95_by_sort_ms": {s: p(v, 95) for s, v in by_sort.items()},
        "search_p95_cpu_by_sort_ms": {s: p(v, 95, 1) for s, v in by_sort.items()},
        "similar_p50_ms": p(similar, 50),
        "similar_p95_ms": p(similar, 95),
        "similar_p95_cpu_ms": p(similar, 95, 1),
        "reindex_one_p50_ms": p(reindex, 50),
        "reindex_one_p95_ms": p(reindex, 95),
        "search_runs": len(search),
        "similar_runs": len(similar),
        "distinct_queries": len(queries),
    }


def main() -> None:
    """Parse arguments, build, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300, help="searches and similar lookups")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--workdir", help="keep the database and index here (default: temp)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database in --workdir (no insert)"
    )
    parser.add_argument(
        "--keep-index", action="store_true", help="with --reuse: search the existing index"
    )
    parser.add_argument(
        "--reindex-runs", type=int, default=200, help="0 leaves the index unchanged"
    )
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ideas-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    app = build_app(workdir)
    started = time.perf_counter()
    rows = {} if args.reuse else insert_rows(app, args.ideas, args.seed)
    insert_seconds = time.perf_counter() - started
    rebuild = not (args.reuse and args.keep_index)
    results = measure(app, args.rounds, args.seed, rebuild, args.reindex_runs)
    import tantivy
    import whoosh

    print(json.dumps({
        "rows": rows, "insert_seconds": round(insert_seconds, 1), **results,
        "python": platform.python_version(), "whoosh": whoosh.versionstring(),
        "tantivy": tantivy.__version__,
        "cpus": os.cpu_count(), "machine": platform.machine(), "workdir": str(workdir),
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
