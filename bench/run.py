r"""The HTTP benchmark: serve the app with gunicorn, load each endpoint with wrk, report.

    .venv/bin/python bench/run.py --database-url sqlite:////tmp/bench/s10000.db \
        --search-dir /tmp/bench/index-sqlite-10000 --label sqlite-10000

The database comes from bench/generate.py. Every endpoint is loaded for --seconds with
--connections concurrent clients (wrk, Lua script bench/wrk/bench.lua, signed-in sessions)
against gunicorn's sync workers; figures are throughput, p50/p95/p99 latency, errors, and
each as a ratio to the floor B0 measured in the same run. Results go to
bench/results/<label>.json; --markdown rewrites the table in docs/performance.md from every
results file. --smoke builds a tiny data set and runs each endpoint for a moment (the
`make test` step): it checks that the harness works, not how fast anything is. As in
`make run`, a `flask search sync --every 5` process beside gunicorn applies the search's
queue of vote changes.

The vote test of issue 8 (votes at least 0.5 times a bare single-row INSERT, 0.3 on one hot idea,
5 minutes at 64 clients, no errors, exact counters afterwards):

    .venv/bin/python bench/run.py --database-url ... --search-dir ... \
        --only 'INSERT|vote' --vote-seconds 300 --vote-connections 64
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from itertools import zip_longest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
LUA = ROOT / "bench" / "wrk" / "bench.lua"
VOTERS = range(200, 264)  # ordinary members (the first 65 accounts are staff)
TARGET_PAGE = 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench_app(database_url: str, search_dir: str | None):
    os.environ["DATABASE_URL"] = database_url
    if search_dir:
        os.environ["SEARCH_INDEX_DIR"] = search_dir
    from bench.app import BenchConfig, create_bench_app

    config = type(
        "RunConfig",
        (BenchConfig,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX_DIR": search_dir},
    )
    return create_bench_app(config)


def session_cookie(app, user_id: int) -> str:
    """A signed session cookie for the user, made the way Flask-Login makes one."""
    from flask import session
    from flask_login import login_user

    from ideas.accounts.models import User
    from ideas.extensions import db

    with app.test_request_context():
        login_user(db.session.get(User, user_id))
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        return response.headers.getlist("Set-Cookie")[0].split(";")[0]


def plan(app, smoke: bool) -> tuple[list[dict], dict]:
    """The endpoints to load (name, method, paths, sessions) and facts about the data."""
    from sqlalchemy import func, select

    from bench.app import bench_metadata
    from ideas.accounts.models import Role, User
    from ideas.board.models import Idea
    from ideas.board.services import (
        SORT_COLUMNS,
        IdeaFilters,
        encode_cursor,
        filter_clauses,
        ranked_ideas,
    )
    from ideas.extensions import db
    from ideas.groups.models import Group
    from ideas.timeutil import utcnow
    from ideas.workflow.stages import Stage

    per_page = app.config["IDEAS_PER_PAGE"]
    with app.app_context():
        bench_metadata.create_all(db.engine)
        ideas = db.session.scalar(select(func.count()).select_from(Idea))
        voters = [u for u in VOTERS if db.session.get(User, u) is not None] or [100]
        admin = db.session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1))
        members = [session_cookie(app, u) for u in voters]
        staff = [session_cookie(app, admin)]

        def cursor_url(base: str, sort: str, filters: IdeaFilters, extra: str = "") -> tuple:
            visible = db.session.scalar(
                select(func.count()).select_from(Idea).where(*filter_clauses(filters))
            )
            page = max(2, min(TARGET_PAGE, visible // per_page))
            idea = db.session.scalar(
                ranked_ideas(sort, filters).offset((page - 1) * per_page - 1).limit(1)
            )
            cursor = encode_cursor(sort, idea)
            return f"{base}?sort={sort}{extra}&after={cursor}&page={page}", page

        endpoints = [{"name": "B0 floor", "paths": ["/_bench/b0"]}]
        pages = {}
        for sort in SORT_COLUMNS:
            endpoints.append({"name": f"list {sort} p1", "paths": [f"/ideas?sort={sort}"]})
            url, pages[sort] = cursor_url("/ideas", sort, IdeaFilters())
            endpoints.append({"name": f"list {sort} p{pages[sort]}", "paths": [url]})
        theme = db.session.scalar(
            select(Idea.theme_id).group_by(Idea.theme_id).order_by(func.count().desc()).limit(1)
        )
        filtered = IdeaFilters(theme_id=theme, stage=Stage.PROPOSED)
        extra = f"&theme={theme}&stage=proposed"
        endpoints.append({"name": "list top+filter p1", "paths": [f"/ideas?sort=top{extra}"]})
        url, page = cursor_url("/ideas", "top", filtered, extra)
        endpoints.append({"name": f"list top+filter p{page}", "paths": [url]})

        def idea_near(count: int) -> Idea:
            return db.session.scalar(
                select(Idea)
                .where(Idea.hidden.is_(False), Idea.stage != Stage.MERGED)
                .order_by(func.abs(Idea.comment_count - count), Idea.id)
                .limit(1)
            )

        for count in (50, 500):
            idea = idea_near(count)
            endpoints.append(
                {
                    "name": f"idea page, {idea.comment_count} comments",
                    "paths": [f"/ideas/{idea.id}"],
                }
            )
        group = db.session.scalar(select(Group).order_by(Group.member_count.desc()).limit(1))
        endpoints.append({"name": "group page", "paths": [f"/groups/{group.slug}"]})
        endpoints.append({"name": "home", "paths": ["/"]})
        words = ["budget", "telework", "données", "open data", "公務員", "procurement rules"]
        endpoints.append(
            {"name": "search", "paths": [f"/search?q={urllib.request.quote(w)}" for w in words]}
        )
        titles = db.session.scalars(select(Idea.title).order_by(Idea.id).limit(40)).all()
        endpoints.append(
            {
                "name": "similar ideas",
                "paths": [
                    "/search/similar?title=" + urllib.request.quote(" ".join(t.split()[:-2]))
                    for t in titles
                ],
            }
        )
        rules = {rule.rule for rule in app.url_map.iter_rules()}
        if "/dashboard" in rules:
            endpoints.append({"name": "dashboard", "paths": ["/dashboard"], "staff": True})
            # 540 different periods, each request picking one at random: a worker's cache
            # keeps 64 views, so about nine requests in ten compute their view afresh, as a
            # first visit (or a new filter) does.
            today = utcnow().date()
            endpoints.append(
                {
                    "name": "dashboard, 540 periods",
                    "paths": [
                        f"/dashboard?from={(today - timedelta(days=days)).isoformat()}"
                        f"&to={(today - timedelta(days=end)).isoformat()}"
                        for days in range(10, 190)
                        for end in range(3)
                    ],
                    "staff": True,
                }
            )
        endpoints.append({"name": "triage queue", "paths": ["/triage"], "staff": True})
        open_ideas = db.session.scalars(
            select(Idea.id)
            .where(
                Idea.hidden.is_(False),
                Idea.stage == Stage.PROPOSED,
                Idea.author_id.not_in(voters),
            )
            .order_by(Idea.id)
            .limit(2000)
        ).all()
        hot = db.session.scalar(
            select(Idea.id)
            .where(
                Idea.hidden.is_(False), Idea.stage == Stage.PROPOSED, Idea.author_id.not_in(voters)
            )
            .order_by((Idea.up_count + Idea.down_count).desc())
            .limit(1)
        )
        endpoints.append({"name": "bare INSERT", "paths": ["/_bench/insert"], "post": True})
        endpoints.append(
            {
                "name": "vote, spread",
                "paths": [f"/ideas/{i}/vote" for i in open_ideas],
                "post": True,
                "vote": True,
            }
        )
        endpoints.append(
            {
                "name": "vote, one hot idea",
                "paths": [f"/ideas/{hot}/vote"],
                "post": True,
                "vote": True,
            }
        )
        for endpoint in endpoints:
            endpoint["cookies"] = staff if endpoint.get("staff") else members
        facts = {"ideas": ideas, "voted": sorted({*open_ideas, hot}), "pages": pages}
    return endpoints, facts


# Seconds between two runs of `flask search sync --every`, the search's vote lag.
SYNC_EVERY = "5"


class Server:
    """gunicorn serving the benchmark app on a loopback port."""

    def __init__(self, database_url: str, search_dir: str | None, workers: int, instance: str):
        self.port = _free_port()
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            IDEAS_INSTANCE_PATH=instance,
            PYTHONPATH=str(ROOT),
        )
        if search_dir:
            env["SEARCH_INDEX_DIR"] = search_dir
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                "bench.app:create_bench_app()",
            ],
            cwd=ROOT,
            env=env,
        )
        # The search queue's drain, as deployed: its own process beside the web server, at a
        # lower priority, so that members' requests come first when the CPUs are busy.
        self.sync = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [
                shutil.which("nice") or "nice",
                "-n",
                "10",
                str(ROOT / ".venv" / "bin" / "flask"),
                "search",
                "sync",
                "--every",
                SYNC_EVERY,
            ],
            cwd=ROOT,
            env=dict(env, FLASK_APP="bench.app:create_bench_app()"),
            stdout=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz-none", timeout=2)  # noqa: S310
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def drain(self, cookie: str, timeout: float = 300) -> None:
        """Wait until the workers have answered every queued request (B0 answers)."""
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.url + "/_bench/b0", headers={"Cookie": cookie}
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=timeout).read()  # noqa: S310

    def _worker_status(self) -> list[dict[str, str]]:
        """Each worker's /proc status fields (name: value)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        statuses = (Path(f"/proc/{pid}/status").read_text() for pid in children.read_text().split())
        return [dict(line.split(":", 1) for line in text.splitlines()) for text in statuses]

    def worker_peak_rss_mb(self) -> list[float]:
        """Peak resident memory (VmHWM) of each worker process, in MB."""
        return [round(int(s["VmHWM"].split()[0]) / 1024, 1) for s in self._worker_status()]

    def worker_memory_mb(self) -> list[dict]:
        """Each worker's resident memory now, anonymous and file-backed, in MB.

        Anonymous is the worker's own heap; file-backed is mapped files, such as the search
        index's segments, which the page cache shares with other processes.
        """
        return [
            {
                key: round(int(status[name].split()[0]) / 1024, 1)
                for key, name in (("anon", "RssAnon"), ("file", "RssFile"))
            }
            for status in self._worker_status()
        ]

    def worker_cpu_seconds(self) -> float:
        """User plus system CPU time of the workers so far (not counting other processes)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        ticks = 0
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def sync_cpu_seconds(self) -> float:
        """CPU time of the search sync process so far (it indexes what the votes queue)."""
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.sync.pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = sum(int(f) for f in fields[11:15])  # utime, stime, and its children's
            return ticks / os.sysconf("SC_CLK_TCK")
        return 0.0

    def stop(self) -> None:
        """Stop gunicorn and the search sync (the processes this harness started)."""
        for process in (self.process, self.sync):
            process.send_signal(signal.SIGTERM)
        for process in (self.process, self.sync):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def _probe(url: str, endpoint: dict) -> int:
    """One request as the load generator sends it; the HTTP status (redirects not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = b"value=1" if endpoint.get("post") else None
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url + endpoint["paths"][0],
        data=data,
        headers={"Cookie": endpoint["cookies"][0], "Accept": "application/json"}
        if data
        else {"Cookie": endpoint["cookies"][0]},
    )
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def load(url: str, endpoint: dict, seconds: float, connections: int, threads: int, tmp: Path):
    """Run wrk against one endpoint; its figures as a dict."""
    paths, cookies = tmp / "paths.txt", tmp / "cookies.txt"
    paths.write_text("\n".join(endpoint["paths"]) + "\n")
    cookies.write_text("\n".join(endpoint["cookies"]) + "\n")
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
        "--",
        str(paths),
        str(cookies),
    ]
    if endpoint.get("post"):
        command += ["POST", "value="]
    # Our own fixed command line, on loopback.
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line[len("BENCH ") :])
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        # The slowest request: a member who waits for a queued batch of work shows here
        # long before a rare wait moves the p99.
        "max_ms": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "errors": errors,
    }


def counters_exact(app, idea_ids: list[int]) -> bool:
    """After the vote runs: each voted idea's counters and ranks match its vote rows."""
    from sqlalchemy import select

    from bench.generate import check
    from ideas.board.models import Idea
    from ideas.extensions import db

    with app.app_context():
        problems = check(db.session, app.config["RESPONSE_THRESHOLD_VOTES"], sample=0)
        voted = {str(i) for i in idea_ids}
        # threshold_reached_at is never cleared, so withdrawn votes may leave it set.
        mine = [
            p
            for p in problems
            if p.split(":")[0].split()[-1] in voted and "threshold reached" not in p
        ]
        db.session.scalar(select(Idea.id).limit(1))
        return not mine


def machine() -> dict:
    """What the figures were measured on."""
    from importlib.metadata import version

    import sqlalchemy

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wrk = subprocess.run(  # noqa: S603
        [shutil.which("wrk") or "/usr/bin/wrk", "-v"], capture_output=True, text=True
    ).stdout.split()[:2]
    return {
        "cpu": f"{os.cpu_count()} × {cpu}",
        "python": platform.python_version(),
        "flask": version("flask"),
        "sqlalchemy": sqlalchemy.__version__,
        "wrk": " ".join(wrk),
        "load_before": os.getloadavg()[0],
    }


def run(args, save=None) -> dict:
    """Plan, serve, load every endpoint (calling save after each), and return the results."""
    app = _bench_app(args.database_url, args.search_dir)
    endpoints, facts = plan(app, args.smoke)
    if args.only:
        endpoints = [e for e in endpoints if re.search(args.only, e["name"])]
    if args.skip:
        endpoints = [e for e in endpoints if not re.search(args.skip, e["name"])]
    results = {
        "label": args.label,
        "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0],
        "ideas": facts["ideas"],
        "seconds": args.seconds,
        "connections": args.connections,
        "workers": args.workers,
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": " ".join(sys.argv),
        "endpoints": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(args.database_url, args.search_dir, args.workers, tmp)
        try:
            for endpoint in endpoints:
                # wrk stops sending at the end of a run, but the workers still owe the
                # queued requests: wait for them (a B0 answer) before the next probe.
                server.drain(endpoints[0]["cookies"][0])
                try:
                    status = _probe(server.url, endpoint)
                except TimeoutError:
                    status = "no answer within 60 s"
                if status != 200:
                    if args.smoke:
                        raise SystemExit(f"{endpoint['name']}: HTTP {status} before the load")
                    # Recorded, not fatal: a full run takes long and the rest still counts.
                    results["endpoints"].append({"name": endpoint["name"], "failed": str(status)})
                    continue
                writes = endpoint.get("post")
                cpu, sync_cpu = server.worker_cpu_seconds(), server.sync_cpu_seconds()
                figures = load(
                    server.url,
                    endpoint,
                    (args.vote_seconds or args.seconds) if writes else args.seconds,
                    (args.vote_connections or args.connections) if writes else args.connections,
                    args.threads,
                    Path(tmp),
                )
                figures["name"] = endpoint["name"]
                # CPU per request holds on a shared machine, where throughput does not.
                server.drain(endpoints[0]["cookies"][0])
                if figures["requests"]:
                    cpu = server.worker_cpu_seconds() - cpu
                    figures["cpu_ms_per_request"] = round(cpu * 1000 / figures["requests"], 2)
                    # A vote also queues its idea for the search index, which the sync
                    # process rewrites beside the workers, on the same CPUs.
                    sync_cpu = server.sync_cpu_seconds() - sync_cpu
                    figures["sync_cpu_ms_per_request"] = round(
                        sync_cpu * 1000 / figures["requests"], 2
                    )
                if args.latency_connections and not writes:
                    # At 16 clients on 2 workers a request mostly waits its turn: its p95
                    # is about 8 times its own time. One client per worker measures the
                    # request itself, which is what the latency targets are about.
                    quiet = load(
                        server.url,
                        endpoint,
                        args.seconds,
                        args.latency_connections,
                        min(args.threads, args.latency_connections),
                        Path(tmp),
                    )
                    server.drain(endpoints[0]["cookies"][0])
                    figures["latency"] = {
                        "connections": args.latency_connections,
                        **{key: quiet[key] for key in ("p50_ms", "p95_ms", "p99_ms", "errors")},
                    }
                figures["load"] = round(os.getloadavg()[0], 1)
                results["endpoints"].append(figures)
                print(json.dumps(figures), file=sys.stderr, flush=True)
                if save:
                    save(results)
            results["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
            results["worker_memory_at_end_mb"] = server.worker_memory_mb()
        finally:
            server.stop()
    if any(e.get("vote") for e in endpoints):
        results["vote_counters_exact"] = counters_exact(app, facts["voted"])
    results["votes_vs_insert"] = votes_vs_insert(results["endpoints"])
    if args.vote_seconds or args.vote_connections:
        results["vote_seconds"] = args.vote_seconds or args.seconds
        results["vote_connections"] = args.vote_connections or args.connections
    if results["votes_vs_insert"]:
        print(json.dumps({"votes_vs_insert": results["votes_vs_insert"]}), file=sys.stderr)
    return results


def votes_vs_insert(endpoints: list[dict]) -> dict:
    """Each vote endpoint's throughput as a ratio to the bare INSERT's, with its errors."""
    insert = next((e for e in endpoints if e["name"] == "bare INSERT" and e.get("rps")), None)
    if insert is None:
        return {}
    return {
        e["name"]: {
            "ratio": round(e["rps"] / insert["rps"], 2),
            "errors": e["errors"],
            # The same ratio in worker CPU per request, steadier on a busy machine.
            "cpu_ratio": round(e["cpu_ms_per_request"] / insert["cpu_ms_per_request"], 2)
            if e.get("cpu_ms_per_request") and insert.get("cpu_ms_per_request")
            else None,
        }
        for e in endpoints
        if e["name"].startswith("vote") and "rps" in e
    }


# --------------------------------------------------------------------------------------
# The Markdown table

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _row(result: dict, endpoint: dict, b0: dict) -> str:
    if "failed" in endpoint:
        return f"| {endpoint['name']} | {endpoint['failed']} | | | | | | |"
    if not endpoint["requests"]:
        return f"| {endpoint['name']} | none finished in the run | | | | | | |"
    ratio = endpoint["rps"] / b0["rps"] if b0 and b0["rps"] else 0
    quiet = endpoint.get("latency")
    alone = f"{quiet['p50_ms']:.1f} / {quiet['p95_ms']:.1f}" if quiet else ""
    slowest = f"{endpoint['max_ms']:,.0f}" if "max_ms" in endpoint else "–"  # older runs
    return (
        f"| {endpoint['name']} | {endpoint['rps']:,.1f} | {ratio:.2f} | "
        f"{endpoint['p50_ms']:.1f} | {endpoint['p95_ms']:.1f} | {endpoint['p99_ms']:.1f} | "
        f"{slowest} | {endpoint['errors']} | {alone} |"
    )


def _ratios(result: dict) -> dict:
    """The votes' ratios to the bare INSERT (computed again for older results files)."""
    return result.get("votes_vs_insert") or votes_vs_insert(result["endpoints"])


def _sync_note(result: dict, name: str) -> str:
    """The search sync's CPU per vote, where the run measured it."""
    endpoint = next((e for e in result["endpoints"] if e["name"] == name), {})
    if endpoint.get("sync_cpu_ms_per_request") is None:
        return ""
    return (
        f" (worker CPU {endpoint['cpu_ms_per_request']:.2f} ms, search sync "
        f"{endpoint['sync_cpu_ms_per_request']:.2f} ms per vote)"
    )


def latency_clients(result: dict) -> str:
    """How the latency column was measured, for its heading."""
    counts = {e["latency"]["connections"] for e in result["endpoints"] if e.get("latency")}
    return f"{counts.pop()} clients" if len(counts) == 1 else "not measured"


def markdown(results: list[dict]) -> str:
    """One table per results file, figures and ratios to that run's B0."""
    out = [START, ""]
    for result in sorted(results, key=lambda r: (r["database"], r["ideas"])):
        b0 = next((e for e in result["endpoints"] if e["name"] == "B0 floor"), None)
        m = result["machine"]
        out += [
            f"#### {result['database']}, {result['ideas']:,} ideas ({result['when']})",
            "",
            f"{m['cpu']}; Python {m['python']}, Flask {m['flask']}, SQLAlchemy "
            f"{m['sqlalchemy']}, {m['wrk']}; gunicorn {result['workers']} sync workers; "
            f"{result['connections']} connections, {result['seconds']} s per endpoint; "
            f"load average {m['load_before']:.1f} at the start. "
            + (
                f"Writes (bare INSERT, votes): {result['vote_connections']} connections, "
                f"{result['vote_seconds']} s each. "
                if "vote_seconds" in result
                else ""
            )
            + "Peak RSS per worker (the highest of the file's runs): "
            f"{', '.join(f'{x:.0f}' for x in result.get('worker_peak_rss_mb', []))} MB"
            + (
                " (at the end, anonymous + file-backed: "
                + ", ".join(
                    f"{w['anon']:.0f} + {w['file']:.0f}" for w in result["worker_memory_at_end_mb"]
                )
                + " MB)."
                if result.get("worker_memory_at_end_mb")
                else "."
            )
            + (
                f" Vote counters exact after the runs: {result['vote_counters_exact']}."
                if "vote_counters_exact" in result
                else ""
            )
            + "".join(
                f" {name}: {v['ratio']:.2f}× bare INSERT{_sync_note(result, name)}."
                for name, v in _ratios(result).items()
            ),
            "",
            f"`{result['command']}`",
            "",
            "| endpoint | req/s | × B0 | p50 ms | p95 ms | p99 ms | max ms | errors "
            f"| p50 / p95 ms, {latency_clients(result)} |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *(_row(result, e, b0) for e in result["endpoints"]),
            "",
        ]
    out.append(END)
    return "\n".join(out)


def write_markdown() -> None:
    """Replace the table between the markers in docs/performance.md with every result."""
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    text = DOC.read_text()
    if START not in text:
        raise SystemExit(f"{DOC} has no {START} marker")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + markdown(results) + tail)


def smoke(args) -> int:
    """A tiny data set, every endpoint for a moment: proves the harness runs."""
    from flask_migrate import upgrade

    from bench.generate import bench_app, generate

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        args.database_url = f"sqlite:///{tmp}/smoke.db"
        args.search_dir = f"{tmp}/index"
        app = bench_app(args.database_url, args.search_dir, instance=f"{tmp}/instance")
        with app.app_context():
            upgrade()
        generate(app, 300, search=True, log=lambda _m: None)
        results = run(args)
    # Each endpoint answered 200 before its load (run() checks); under a busy machine a
    # one-second run may finish no request, which is not a failure of the harness.
    bad = [e["name"] for e in results["endpoints"] if e["errors"]]
    print(json.dumps({"endpoints": len(results["endpoints"]), "failed": bad}))
    if bad or not results.get("vote_counters_exact"):
        print("smoke benchmark failed", bad, file=sys.stderr)
        return 1
    return 0


def _highest_peaks(earlier: dict, latest: dict) -> list[float]:
    """Each worker's peak RSS over every run of a results file, highest first.

    A partial rerun (votes only, say) must not hide the full run's peak: the read
    endpoints' caches grow a worker more than a vote storm does.
    """
    peaks = [sorted(r.get("worker_peak_rss_mb", []), reverse=True) for r in (earlier, latest)]
    return [max(pair) for pair in zip_longest(*peaks, fillvalue=0.0)]


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the benchmark (or the smoke run, or only the Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--search-dir", default=os.environ.get("SEARCH_INDEX_DIR"))
    parser.add_argument("--label", help="results file name (default: database-ideas)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--vote-seconds", type=float, help="seconds for the bare INSERT and the votes"
    )
    parser.add_argument(
        "--vote-connections", type=int, help="clients for the bare INSERT and the votes"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--latency-connections",
        type=int,
        default=2,
        help="after each read endpoint's load, measure its latency again with this many "
        "clients (one per worker: no queueing); 0 skips it",
    )
    parser.add_argument("--only", help="a regular expression: load only matching endpoints")
    parser.add_argument("--skip", help="a regular expression: leave out matching endpoints")
    parser.add_argument("--smoke", action="store_true", help="tiny data, one second each")
    parser.add_argument("--markdown", action="store_true", help="rewrite docs/performance.md")
    parser.add_argument("--markdown-only", action="store_true")
    args = parser.parse_args(argv)
    if args.markdown_only:
        write_markdown()
        return 0
    if args.smoke:
        args.seconds, args.connections, args.threads = 1, 4, 1
        args.latency_connections = 1
        args.vote_seconds = args.vote_connections = None
        return smoke(args)
    if not args.database_url:
        parser.error("give --database-url (a database made by bench/generate.py)")
    RESULTS.mkdir(exist_ok=True)

    def save(results: dict) -> None:
        label = args.label or f"{results['database']}-{results['ideas']}"
        path = RESULTS / f"{label}.json"
        if args.only and path.exists():
            # A partial rerun replaces its endpoints in the earlier results of the label.
            earlier = json.loads(path.read_text())
            names = {e["name"] for e in results["endpoints"]}
            kept = [e for e in earlier["endpoints"] if e["name"] not in names]
            command = earlier["command"]
            if " ".join(sys.argv) not in command:
                command += " ; " + " ".join(sys.argv)
            results = {
                **earlier,
                **results,
                "endpoints": kept + results["endpoints"],
                "command": command,
                "when": earlier["when"],
                "worker_peak_rss_mb": _highest_peaks(earlier, results),
            }
            # Over the merged rows: a rerun of the reads keeps the earlier votes' ratios.
            results["votes_vs_insert"] = votes_vs_insert(results["endpoints"])
        path.write_text(json.dumps(results, indent=2) + "\n")

    save(run(args, save))
    if args.markdown:
        write_markdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
