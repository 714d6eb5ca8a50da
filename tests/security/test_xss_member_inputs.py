"""Every payload of the corpus through every text input a member has, rendered inert.

For each payload a member sets it as their display name, names and describes a group with
it, previews and publishes an idea with it as title and body, comments with it, searches
for it and reports another idea with it as the reason; a moderator then reads the queue.
Every page involved (the form's own answer, the page it leads to, the lists and profiles
that show the text) is parsed, and nothing live may come from the payload.
"""

from urllib.parse import quote

import pytest

from ideas.accounts.models import Role
from tests.security.forms import page_forms
from tests.security.xss import live_injections, load_corpus

PAYLOADS = load_corpus()


def assert_inert(response, what: str) -> None:
    """The page answered without a crash and holds nothing live."""
    assert response.status_code < 500, what
    if response.mimetype == "text/html":
        problems = live_injections(response.text)
        assert problems == [], f"{what}: {problems}"


def form_to(client, page: str, action: str):
    """The form on `page` that posts to `action`."""
    specs = [spec for spec in page_forms(client.get(page).text, page) if spec.action == action]
    assert specs, f"no form to {action} on {page}"
    return specs[0]


def send(client, spec, text: str, button: str | None = None):
    """Send a form filled with `text`; its answer must be inert too."""
    response = client.post(spec.action, data=spec.fill(text, button))
    assert_inert(response, f"answer of {spec.action}")
    return response


BATCH = 5
BATCHES = [PAYLOADS[n : n + BATCH] for n in range(0, len(PAYLOADS), BATCH)]


@pytest.mark.parametrize(
    "payloads",
    BATCHES,
    ids=[f"p{n * BATCH:02d}-{n * BATCH + len(b) - 1:02d}" for n, b in enumerate(BATCHES)],
)
def test_payloads_are_inert_everywhere_a_member_can_type_them(client, auth, make_idea, payloads):
    member = auth.as_role(Role.MEMBER)
    other = make_idea(title="Another member's idea")
    profile = form_to(client, "/profile", "/profile")
    new_group = form_to(client, "/groups/new", "/groups/new")
    new_idea = form_to(client, "/ideas/new", "/ideas/new")
    flag = form_to(client, f"/ideas/{other.id}/flag", f"/ideas/{other.id}/flag")

    idea_pages, group_pages = [], []
    for payload in payloads:
        send(client, profile, payload)
        group_pages.append(send(client, new_group, payload).headers.get("Location", "/groups"))
        send(client, new_idea, payload, button="preview")
        posted = send(client, new_idea, payload, button="submit")
        assert posted.status_code == 302, posted.text
        idea_page = posted.headers["Location"]
        idea_pages.append(idea_page)
        send(client, form_to(client, idea_page, f"{idea_page}/comments"), payload)
        send(client, flag, payload)
        # The idea page now shows the payload as author name, title, body and comment.
        for path in (idea_page, f"/search?q={quote(payload)}"):
            assert_inert(client.get(path), path)

    pages = [
        f"{idea_pages[-1]}/edit", "/ideas", "/", "/groups", *group_pages,
        f"/members/{member.id}", "/profile", "/notifications",
    ]  # fmt: skip
    for path in pages:
        assert_inert(client.get(path), path)

    auth.sign_out()
    auth.as_role(Role.SECRETARIAT)
    for path in (idea_pages[0], "/moderation", "/triage", "/admin/audit", "/ideas"):
        assert_inert(client.get(path), f"{path} as staff")
