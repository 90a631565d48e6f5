"""A local, stateful test double of the GitHub REST API (see server.py).

with GitHubDouble() as double:            # or the `github_double` fixture
    double.add_repo("acme/postmortems", private=True, assignees=["alice"])
    gh = double.client()                  # PyGithub, pointed at double.url
    gh.get_repo("acme/postmortems").create_issue("Fix DNS", labels=["bug"])
    assert [i.title for i in double.issues("acme/postmortems")] == ["Fix DNS"]
    double.inject(Fault(status=502, after=True), match="issues/create")
"""

from .server import Fault, GitHubDouble, RequestRecord
from .state import Comment, Issue, IssueType, Label, Milestone, Repo, Token, User

__all__ = [
    "Comment",
    "Fault",
    "GitHubDouble",
    "Issue",
    "IssueType",
    "Label",
    "Milestone",
    "Repo",
    "RequestRecord",
    "Token",
    "User",
]
