"""Payloads through every form of the site, found by crawling it as every role.

Staff forms carry the texts members never type: stage-move rationales, pilot plans and
findings, official responses, assessment notes, merge rationales, triage notes, moderation
reasons, milestones, report titles, filters. Rather than list them (and miss the next
one), the test signs in as each role, reads every page of the URL map, and fills every
form that has a free-text control with payloads from the corpus, several per form. Each
answer, and then every page as every role, is parsed: nothing live may come from a
payload. The progress CSV import gets payloads in its header, cells and milestones.
"""

import io
import re

from werkzeug.exceptions import HTTPException

from ideas.accounts.models import Role
from tests.browser.site_pages import seed_site
from tests.security.forms import page_forms
from tests.security.routes import readable_pages
from tests.security.xss import live_injections, load_corpus

PAYLOADS = load_corpus()
ROUNDS = 3
# Forms a crawler must not send: they end the session or destroy the account it uses.
DESTRUCTIVE = re.compile(r"sign_out|delete|erase|password|everywhere|withdraw|language")
ROLES = (Role.SECRETARIAT, Role.ADMIN, Role.EXECUTIVE, Role.MEMBER)


def check(response, what: str, problems: list[str]) -> None:
    """Record a crash or anything live on the page."""
    if response.status_code >= 500:
        problems.append(f"{what}: status {response.status_code}")
    elif response.mimetype == "text/html":
        problems.extend(f"{what}: {found}" for found in live_injections(response.text))


def endpoint_of(app, path: str, method: str) -> str | None:
    """The endpoint a form posts to, or None if the address is not ours."""
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path.split("?")[0], method.upper())
    except HTTPException:
        return None
    return endpoint


def crawl_forms(app, client, site, role, problems):
    """Every distinct form with free text on the pages this role can read."""
    found = {}
    for url in readable_pages(app, site, role):
        response = client.get(url)
        check(response, f"{url} as {role.value}", problems)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for spec in page_forms(response.text, url):
            endpoint = endpoint_of(app, spec.action, spec.method)
            if not spec.text_fields or spec.has_file or endpoint is None:
                continue
            if DESTRUCTIVE.search(endpoint):
                continue
            found.setdefault((spec.method, spec.action), spec)
    return list(found.values())


def send(client, spec, text, problems, what):
    """Send the form with `text`; check its answer and where it leads."""
    data = spec.fill(text)
    if spec.method == "get":
        response = client.get(spec.action, query_string=data)
    else:
        response = client.post(spec.action, data=data)
    check(response, what, problems)
    if response.status_code in (302, 303) and response.headers["Location"].startswith("/"):
        check(client.get(response.headers["Location"]), f"{what}, then", problems)


def test_every_form_renders_payloads_inert(app, client, auth):
    site = seed_site(app, "en")
    problems: list[str] = []
    sent = 0
    endpoints = set()
    for role in ROLES:
        auth.sign_in(site.users[role])
        forms = crawl_forms(app, client, site, role, problems)
        for round_number in range(ROUNDS):
            for n, spec in enumerate(forms):
                payload = PAYLOADS[(n * 7 + round_number * 29 + role_offset(role)) % len(PAYLOADS)]
                send(client, spec, payload, problems, f"{spec.action} as {role.value}")
                sent += 1
                endpoints.add(endpoint_of(app, spec.action, spec.method))
        auth.sign_out()
    # The staff pages that show these texts, read by every role.
    for role in ROLES:
        auth.sign_in(site.users[role])
        for url in readable_pages(app, site, role):
            check(client.get(url), f"{url} as {role.value} after", problems)
        auth.sign_out()
    assert problems == [], "\n".join(problems[:40])
    # The forms that carry staff-only text must have been found and filled.
    expected = {
        "workflow.move_stage", "workflow.respond", "workflow.assess", "workflow.merge_idea",
        "workflow.update_progress", "moderation.review_idea", "board.add_comment",
        "search.search", "accounts.edit_profile", "groups.new_group",
    }  # fmt: skip
    assert expected <= endpoints, expected - endpoints
    assert sent >= 3 * len(expected)


def role_offset(role: Role) -> int:
    """A different starting payload for each role, so more of the corpus is used."""
    return ROLES.index(role) * 11


def test_progress_csv_import_renders_payloads_inert(app, client, auth):
    site = seed_site(app, "en")
    auth.sign_in(site.users[Role.SECRETARIAT])
    implemented = site.ideas["implemented"]
    problems: list[str] = []
    for n in range(0, len(PAYLOADS), 8):
        batch = PAYLOADS[n : n + 8]
        rows = [f"idea_id,progress,milestone,date,{csv_cell(batch[0])}"]
        for k, payload in enumerate(batch):
            cell = csv_cell(payload)
            rows.append(f"{implemented},{80 + k},{cell},2026-01-0{k + 1},x")
            rows.append(f"{cell},{cell},{cell},{cell},x")
        # First the file with bad rows (nothing imported, the problems shown), then good ones.
        for lines in (rows, rows[:1] + rows[1::2]):
            body = ("\n".join(lines) + "\n").encode()
            response = client.post(
                "/progress/import",
                data={"file": (io.BytesIO(body), "progress.csv")},
                content_type="multipart/form-data",
            )
            check(response, f"import of payloads {n}-{n + 7}", problems)
    for path in (f"/ideas/{implemented}", "/ideas", "/progress/import"):
        check(client.get(path), path, problems)
    assert problems == [], "\n".join(problems[:40])


def csv_cell(text: str) -> str:
    """The text as one quoted CSV cell."""
    return '"' + text.replace('"', '""') + '"'
