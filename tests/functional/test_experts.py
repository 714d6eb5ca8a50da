"""Experts: staff assign members to assess an idea; they are told, can assess, and get a badge."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.board.services import post_comment
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.experts import assign_expert
from ideas.workflow.models import ExpertAssignment
from ideas.workflow.stages import Stage
from tests.functional.html_dom import field_error, parse

SCORECARD = {
    "relevance": "4",
    "support": "3",
    "impact": "5",
    "results": "4",
    "feasibility": "2",
    "recommendation": "pilot",
}


def _assignments(app, idea_id):
    with app.app_context():
        return db.session.scalars(
            select(ExpertAssignment.user_id).where(ExpertAssignment.idea_id == idea_id)
        ).all()


def _assign(app, idea, expert, staff):
    """Assign directly through the service (set-up for tests about what experts can do)."""
    with app.app_context():
        assign_expert(
            db.session.get(Idea, idea.id),
            db.session.get(User, expert.id),
            db.session.get(User, staff.id),
        )
        db.session.commit()


def _comment(app, idea, author, body):
    with app.app_context():
        post_comment(db.session.get(User, author.id), db.session.get(Idea, idea.id), body)
        db.session.commit()


def test_staff_assign_an_expert_by_email_from_the_idea_page(
    app, client, auth, make_idea, make_user
):
    idea = make_idea()
    expert = make_user(email="grace@example.gc.ca", display_name="Grace Expert")
    staff = auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/ideas/{idea.id}").text)
    form = page.one("form", action=f"/ideas/{idea.id}/experts")
    assert form.one("input", id="expert-email").get("type") == "email"
    assert form.one("label", **{"for": "expert-email"}).text() == "Email address of the member"
    assert form.one("input", type="hidden", name="next").get("value") == f"/ideas/{idea.id}"

    response = client.post(
        form.get("action"), data={"email": "  GRACE@example.gc.ca ", "next": f"/ideas/{idea.id}"}
    )

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    assert _assignments(app, idea.id) == [expert.id]
    with app.app_context():
        notes = db.session.execute(
            select(Notification.user_id, Notification.kind, Notification.actor_id)
        ).all()
        assert [tuple(n) for n in notes] == [(expert.id, "expert_assigned", staff.id)]
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.actor_id, entry.idea_id) == (
            "idea.assign_expert",
            staff.id,
            idea.id,
        )
        assert (entry.target_type, entry.target_id) == ("user", expert.id)
    shown = parse(client.get(response.location).text)
    assert "Grace Expert is now an expert on this idea" in shown.one(class_="flash-success").text()
    experts = shown.one("ul", class_="expert-list")
    assert experts.one("a").text() == "Grace Expert"
    remove = experts.one("form")
    assert remove.get("action") == f"/ideas/{idea.id}/experts/{expert.id}/remove"
    assert remove.one("button").text() == "Remove Grace Expert"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.gc.ca", "No active account has this email address."),
        ("", "Give the member's email address."),
        ("author@example.gc.ca", "The author of an idea cannot assess it."),
        ("gone@example.gc.ca", "No active account has this email address."),
        ("already@example.gc.ca", "Already Expert is already an expert on this idea."),
    ],
    ids=["unknown", "empty", "author", "deactivated", "twice"],
)
def test_assigning_an_unsuitable_account_is_422_with_the_input_kept(
    app, client, auth, make_idea, make_user, email, message
):
    author = make_user(email="author@example.gc.ca")
    idea = make_idea(author=author)
    gone = make_user(email="gone@example.gc.ca")
    with app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()
    already = make_user(email="already@example.gc.ca", display_name="Already Expert")
    staff = auth.as_role(Role.SECRETARIAT)
    _assign(app, idea, already, staff)
    with app.app_context():
        before = (
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.count()).select_from(Notification)),
        )

    response = client.post(
        f"/ideas/{idea.id}/experts", data={"email": email, "next": f"/ideas/{idea.id}"}
    )

    assert response.status_code == 422
    page = parse(response.text)
    assert page.one("h1").text() == "Experts on this idea"
    assert field_error(page, "expert-email") == message
    assert page.one("input", id="expert-email").value() == email
    # Succeeding after the error still goes back to the idea page.
    assert page.one("form", class_="expert-form").one("input", name="next").get("value") == (
        f"/ideas/{idea.id}"
    )
    assert _assignments(app, idea.id) == [already.id]
    with app.app_context():
        assert before == (
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.count()).select_from(Notification)),
        )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_manage_experts(app, client, auth, make_idea, make_user, role):
    idea = make_idea()
    other = make_user(email="other@example.gc.ca")
    auth.as_role(role)
    assert client.get(f"/ideas/{idea.id}/experts").status_code == 403
    response = client.post(f"/ideas/{idea.id}/experts", data={"email": "other@example.gc.ca"})
    assert response.status_code == 403
    assert client.post(f"/ideas/{idea.id}/experts/{other.id}/remove").status_code == 403
    assert _assignments(app, idea.id) == []
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find(id="expert-email") is None


def test_an_expert_can_assess_and_a_random_member_cannot(app, client, auth, make_idea, make_user):
    idea = make_idea()
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user(display_name="Grace Expert")
    _assign(app, idea, expert, staff)

    auth.as_role(Role.MEMBER)
    assert client.get(f"/ideas/{idea.id}/assess").status_code == 403
    assert client.post(f"/ideas/{idea.id}/assess", data=SCORECARD).status_code == 403
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.find("a", href=f"/ideas/{idea.id}/assess") is None
    assert page.find("section", class_="staff-panel") is None
    client.post("/sign-out")

    auth.sign_in(expert)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    panel = page.one("section", class_="staff-panel")
    assert panel.one("a", href=f"/ideas/{idea.id}/assess").text() == "Assess this idea"
    # An expert assesses; moving stages and assigning experts stay with the staff.
    assert panel.find("form", action=f"/ideas/{idea.id}/stage") is None
    assert panel.find(id="expert-email") is None
    assert client.get(f"/ideas/{idea.id}/assess").status_code == 200
    response = client.post(f"/ideas/{idea.id}/assess", data=SCORECARD)
    assert response.status_code == 302
    assert client.get(f"/ideas/{idea.id}/stage").status_code == 403


def test_experts_comments_carry_a_badge(app, client, auth, make_idea, make_user):
    idea = make_idea()
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user(display_name="Grace Expert")
    member = make_user(display_name="Plain Member")
    _comment(app, idea, member, "A comment from a member.")
    _comment(app, idea, expert, "A comment from the expert, before being assigned.")
    _assign(app, idea, expert, staff)
    auth.as_role(Role.MEMBER)

    comments = parse(client.get(f"/ideas/{idea.id}").text).find_all("article", class_="comment")
    badges = {c.one("p", class_="meta").one("a").text(): c.find(class_="badge") for c in comments}
    assert badges["Plain Member"] is None
    assert badges["Grace Expert"].text() == "Expert"


def test_an_expert_on_another_idea_gets_no_badge_here(app, client, auth, make_idea, make_user):
    idea, other_idea = make_idea(), make_idea()
    staff = make_user(role=Role.SECRETARIAT)
    expert = make_user(display_name="Grace Expert")
    _comment(app, idea, expert, "My comment.")
    _assign(app, other_idea, expert, staff)
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.one("article", class_="comment").find(class_="badge") is None


def test_removing_an_expert(app, client, auth, make_idea, make_user):
    idea = make_idea()
    expert = make_user(display_name="Grace Expert")
    _comment(app, idea, expert, "My comment.")
    staff = auth.as_role(Role.ADMIN)
    _assign(app, idea, expert, staff)

    response = client.post(
        f"/ideas/{idea.id}/experts/{expert.id}/remove", data={"next": f"/ideas/{idea.id}"}
    )

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    assert _assignments(app, idea.id) == []
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.actor_id, entry.target_id) == (
            "idea.remove_expert",
            staff.id,
            expert.id,
        )
    page = parse(client.get(response.location).text)
    assert "Grace Expert is no longer an expert" in page.one(class_="flash-success").text()
    assert page.one("article", class_="comment").find(class_="badge") is None

    # Removing again says so and changes nothing.
    response = client.post(f"/ideas/{idea.id}/experts/{expert.id}/remove")
    assert response.status_code == 302
    flash = parse(client.get(response.location).text).one(class_="flash-error")
    assert flash.text() == "Grace Expert is not an expert on this idea."

    client.post("/sign-out")
    auth.sign_in(expert)
    assert client.get(f"/ideas/{idea.id}/assess").status_code == 403


def test_the_experts_page_lists_them(app, client, auth, make_idea, make_user):
    idea = make_idea()
    first = make_user(display_name="Ada Expert")
    second = make_user(display_name="Grace Expert")
    staff = auth.as_role(Role.SECRETARIAT)
    _assign(app, idea, first, staff)
    _assign(app, idea, second, staff)
    page = parse(client.get(f"/ideas/{idea.id}/experts").text)
    assert [a.text() for a in page.one("ul", class_="expert-list").find_all("a")] == [
        "Ada Expert",
        "Grace Expert",
    ]


def test_a_merged_idea_takes_no_new_expert(app, client, auth, make_idea, make_user):
    idea = make_idea()
    make_user(email="grace@example.gc.ca")
    with app.app_context():
        db.session.get(Idea, idea.id).stage = Stage.MERGED
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    response = client.post(f"/ideas/{idea.id}/experts", data={"email": "grace@example.gc.ca"})
    assert response.status_code == 422
    assert "merged" in parse(response.text).one(class_="error-summary").text()
    assert _assignments(app, idea.id) == []
