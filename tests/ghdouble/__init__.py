"""A local, stateful test double of the GitHub REST API (see server.py)."""

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
