"""A first check that the fixtures work end to end."""

from ideas.accounts.models import Role


def test_member_sees_ranked_list(client, auth, make_idea):
    idea = make_idea(title="Shared coworking spaces")
    auth.as_role(Role.MEMBER)
    response = client.get("/ideas")
    assert response.status_code == 200
    assert "Shared coworking spaces" in response.text
    assert f"/ideas/{idea.id}" in response.text
