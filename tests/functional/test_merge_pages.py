"""The merge page and what a merge shows on both ideas' pages, through the test client."""

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.board.models import Idea, Vote
from ideas.board.services import cast_vote, post_comment
from ideas.extensions import db
from ideas.workflow.stages import Stage
from tests.functional.html_dom import field_error, parse

RATIONALE = "Same proposal as the older idea, posted again by another team."


def _state(app, *idea_ids):
    """Stage, merge link and vote rows of the ideas, read fresh from the database."""
    with app.app_context():
        result = []
        for idea_id in idea_ids:
            idea = db.session.get(Idea, idea_id)
            rows = db.session.execute(
                select(Vote.user_id, Vote.value).where(Vote.idea_id == idea_id)
            )
            result.append((idea.stage, idea.merged_into_id, idea.up_count, sorted(rows)))
        return result


def _vote(app, user, idea, value):
    with app.app_context():
        cast_vote(db.session.get(User, user.id), db.session.get(Idea, idea.id), value)
        db.session.commit()


def _post(client, duplicate, target, rationale=RATIONALE, **extra):
    return client.post(
        f"/ideas/{duplicate.id}/merge",
        data={"target": str(target), "rationale": rationale, **extra},
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_merge_page_is_for_staff_only(app, client, auth, make_idea, role):
    duplicate, target = make_idea(), make_idea()
    auth.as_role(role)

    assert client.get(f"/ideas/{duplicate.id}/merge").status_code == 403
    response = _post(client, duplicate, target.id, merge="1", confirmed=str(target.id))

    assert response.status_code == 403
    assert _state(app, duplicate.id)[0][0] is Stage.PROPOSED


def test_merge_page_needs_sign_in(client, make_idea):
    response = client.get(f"/ideas/{make_idea().id}/merge")
    assert response.status_code == 302
    assert "/sign-in" in response.location


def test_merge_page_of_unknown_idea_is_404(client, auth):
    auth.as_role(Role.SECRETARIAT)
    assert client.get("/ideas/987654/merge").status_code == 404


def test_staff_see_the_form_with_labelled_fields(client, auth, make_idea):
    duplicate = make_idea(title="Shared printers for every floor")
    auth.as_role(Role.SECRETARIAT)

    response = client.get(f"/ideas/{duplicate.id}/merge")

    assert response.status_code == 200
    page = parse(response.text)
    assert len(page.find_all("h1")) == 1
    assert "Shared printers for every floor" in page.text()
    for control in ("target", "rationale"):
        assert page.one("label", **{"for": control}) is not None
        assert page.one(id=control) is not None
    form = page.one("form", action=f"/ideas/{duplicate.id}/merge")
    assert form.get("method") == "post"
    assert form.one("input", name="csrf_token") is not None
    assert form.find("button", name="merge") is None


def test_checking_shows_the_target_title_and_changes_nothing(app, client, auth, make_idea):
    duplicate, target = make_idea(), make_idea(title="Open data portal for grants")
    auth.as_role(Role.SECRETARIAT)

    response = _post(client, duplicate, target.id, check="1")

    assert response.status_code == 200
    page = parse(response.text)
    confirm = page.one(class_="merge-confirm")
    assert "Open data portal for grants" in confirm.text()
    assert page.one("input", name="confirmed").value() == str(target.id)
    assert page.one("button", name="merge") is not None
    assert page.one(id="rationale").value() == RATIONALE
    assert _state(app, duplicate.id)[0][:2] == (Stage.PROPOSED, None)


def test_confirming_merges_and_redirects_to_the_target(app, client, auth, make_idea, make_user):
    duplicate, target = make_idea(), make_idea()
    voter = make_user()
    _vote(app, voter, duplicate, 1)
    auth.as_role(Role.SECRETARIAT)

    response = _post(client, duplicate, target.id, merge="1", confirmed=str(target.id))

    assert response.status_code == 302
    assert response.location == f"/ideas/{target.id}"
    assert _state(app, duplicate.id, target.id) == [
        (Stage.MERGED, target.id, 0, []),
        (Stage.PROPOSED, None, 1, [(voter.id, 1)]),
    ]
    page = parse(client.get(response.location).text)
    assert "1 vote moved here" in page.one(class_="flashes").text()


def test_a_changed_target_asks_for_confirmation_again(app, client, auth, make_idea):
    duplicate, first, second = make_idea(), make_idea(), make_idea(title="The other one")
    auth.as_role(Role.SECRETARIAT)

    response = _post(client, duplicate, second.id, merge="1", confirmed=str(first.id))

    assert response.status_code == 200
    page = parse(response.text)
    assert "The other one" in page.one(class_="merge-confirm").text()
    assert page.one("input", name="confirmed").value() == str(second.id)
    assert _state(app, duplicate.id)[0][0] is Stage.PROPOSED


@pytest.mark.parametrize(
    ("target", "rationale", "field", "message"),
    [
        ("987654", RATIONALE, "target", "No idea has the number 987654."),
        ("self", RATIONALE, "target", "cannot be merged into itself"),
        ("", RATIONALE, "target", "Enter the number of the idea"),
        ("abc", RATIONALE, "target", ""),
        ("other", "Too short", "rationale", "at least 20 characters"),
    ],
)
def test_errors_answer_422_with_the_input_kept(
    app, client, auth, make_idea, target, rationale, field, message
):
    duplicate, other = make_idea(), make_idea()
    value = {"self": str(duplicate.id), "other": str(other.id)}.get(target, target)
    auth.as_role(Role.SECRETARIAT)

    response = _post(client, duplicate, value, rationale, merge="1", confirmed=value)

    assert response.status_code == 422
    page = parse(response.text)
    assert message in field_error(page, field)
    assert page.one(id="target").value() == value
    assert page.one(id="rationale").value() == rationale
    assert page.find(class_="merge-confirm") is None
    assert _state(app, duplicate.id)[0][:2] == (Stage.PROPOSED, None)


def test_merging_into_a_merged_idea_answers_422(app, client, auth, make_idea):
    final, merged, duplicate = make_idea(), make_idea(), make_idea()
    auth.as_role(Role.SECRETARIAT)
    assert _post(client, merged, final.id, merge="1", confirmed=str(final.id)).status_code == 302

    response = _post(client, duplicate, merged.id, merge="1", confirmed=str(merged.id))

    assert response.status_code == 422
    assert f"merged into idea #{final.id}" in field_error(parse(response.text), "target")
    assert _state(app, duplicate.id)[0][0] is Stage.PROPOSED


def test_pages_of_both_ideas_after_a_merge(app, client, auth, make_idea, make_user):
    duplicate = make_idea(title="Bike racks at head office")
    target = make_idea(title="Secure bicycle parking")
    with app.app_context():
        post_comment(db.session.get(User, make_user().id), db.session.get(Idea, duplicate.id),
                     "We need this at the regional office too.")  # fmt: skip
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    _post(client, duplicate, target.id, merge="1", confirmed=str(target.id))
    auth.sign_out()
    auth.as_role(Role.MEMBER)

    duplicate_page = parse(client.get(f"/ideas/{duplicate.id}").text)
    banner = duplicate_page.one(class_="banner-merged")
    assert banner.one("a").get("href") == f"/ideas/{target.id}"
    assert "Secure bicycle parking" in banner.text()
    assert "We need this at the regional office too." in duplicate_page.text()
    assert duplicate_page.find("form", data_vote_form=True) is None
    assert duplicate_page.find("textarea", name="body") is None

    target_page = parse(client.get(f"/ideas/{target.id}").text)
    links = target_page.one(class_="merged-duplicates").find_all("a")
    assert [(a.get("href"), a.text()) for a in links] == [
        (f"/ideas/{duplicate.id}", f"#{duplicate.id} Bike racks at head office")
    ]
    assert target_page.find(class_="banner-merged") is None


def test_merge_link_for_staff_on_ideas_that_can_merge(app, client, auth, make_idea):
    idea, target = make_idea(), make_idea()
    auth.as_role(Role.MEMBER)
    assert (
        parse(client.get(f"/ideas/{idea.id}").text).find("a", href=f"/ideas/{idea.id}/merge")
        is None
    )
    auth.sign_out()
    auth.as_role(Role.SECRETARIAT)
    assert (
        parse(client.get(f"/ideas/{idea.id}").text).find("a", href=f"/ideas/{idea.id}/merge")
        is not None
    )

    _post(client, idea, target.id, merge="1", confirmed=str(target.id))

    assert (
        parse(client.get(f"/ideas/{idea.id}").text).find("a", href=f"/ideas/{idea.id}/merge")
        is None
    )


def test_a_target_in_the_link_fills_the_form_and_changes_nothing(app, client, auth, make_idea):
    duplicate, target = make_idea(), make_idea()
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/ideas/{duplicate.id}/merge?target={target.id}").text)
    ignored = parse(client.get(f"/ideas/{duplicate.id}/merge?target=abc").text)

    assert page.one(id="target").get("value") == str(target.id)
    assert ignored.one(id="target").get("value") in (None, "")
    assert _state(app, duplicate.id)[0][:2] == (Stage.PROPOSED, None)
