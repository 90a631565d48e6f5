"""State objects rendered as the JSON bodies GitHub sends.

Field sets follow the recorded real responses in `recorded/`; fields GitHub
added since those were recorded (issue `type`, `sub_issues_summary`,
`parent_issue_url`, repository `has_discussions`) come from the OpenAPI
description. API URLs point at the double so clients follow them back to it.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from datetime import datetime

    from .state import Comment, Issue, IssueType, Label, Milestone, Repo, Token, World

WEB = "https://github.com"
API_VERSION = "2022-11-28"

Json = dict[str, Any]


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()


def _reactions(url: str) -> Json:
    counts = dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
    return {"url": f"{url}/reactions", "total_count": 0, **counts}


class Renderer:
    def __init__(self, api: str, world: World) -> None:
        self.api = api
        self._world = world

    def user(self, login: str) -> Json:
        user = self._world.user(login)
        url = f"{self.api}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("User", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{WEB}/{user.login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": user.type,
            "site_admin": False,
        }

    def authenticated_user(self, login: str, created_at: datetime) -> Json:
        return {
            **self.user(login),
            "user_view_type": "private",
            "name": None,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": timestamp(created_at),
            "updated_at": timestamp(created_at),
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 0,
            "collaborators": 0,
            "two_factor_authentication": True,
        }

    def repo_url(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repository(self, repo: Repo, token: Token | None) -> Json:
        open_issues = sum(1 for issue in repo.live_issues() if issue.state == "open")
        url = self.repo_url(repo)
        web = f"{WEB}/{repo.full_name}"
        stamp = timestamp(repo.created_at)
        templates = {
            "forks_url": "/forks",
            "keys_url": "/keys{/key_id}",
            "collaborators_url": "/collaborators{/collaborator}",
            "teams_url": "/teams",
            "hooks_url": "/hooks",
            "issue_events_url": "/issues/events{/number}",
            "events_url": "/events",
            "assignees_url": "/assignees{/user}",
            "branches_url": "/branches{/branch}",
            "tags_url": "/tags",
            "blobs_url": "/git/blobs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "trees_url": "/git/trees{/sha}",
            "statuses_url": "/statuses/{sha}",
            "languages_url": "/languages",
            "stargazers_url": "/stargazers",
            "contributors_url": "/contributors",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "commits_url": "/commits{/sha}",
            "git_commits_url": "/git/commits{/sha}",
            "comments_url": "/comments{/number}",
            "issue_comment_url": "/issues/comments{/number}",
            "contents_url": "/contents/{+path}",
            "compare_url": "/compare/{base}...{head}",
            "merges_url": "/merges",
            "archive_url": "/{archive_format}{/ref}",
            "downloads_url": "/downloads",
            "issues_url": "/issues{/number}",
            "pulls_url": "/pulls{/number}",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "labels_url": "/labels{/name}",
            "releases_url": "/releases{/id}",
            "deployments_url": "/deployments",
        }
        owner = self.user(repo.owner.login)
        body: Json = {
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": owner,
            "html_url": web,
            "description": None,
            "fork": False,
            "url": url,
            **{key: url + suffix for key, suffix in templates.items()},
            "created_at": stamp,
            "updated_at": stamp,
            "pushed_at": stamp,
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{web}.git",
            "svn_url": web,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private" if repo.private else "public",
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": "main",
            "temp_clone_token": "",
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_rebase_merge": True,
            "allow_auto_merge": False,
            "delete_branch_on_merge": False,
            "allow_update_branch": False,
            "use_squash_pr_title_as_default": False,
            "network_count": 0,
            "subscribers_count": 0,
        }
        if token is not None:
            # GitHub only tells an authenticated caller what it may do.
            body["permissions"] = {
                "admin": False,
                "maintain": False,
                "push": token.write,
                "triage": token.write,
                "pull": True,
            }
        if repo.owner.type == "Organization":
            body["organization"] = owner
        return body

    def label(self, repo: Repo, label: Label) -> Json:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.repo_url(repo)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def milestone(self, repo: Repo, milestone: Milestone) -> Json:
        url = f"{self.repo_url(repo)}/milestones/{milestone.number}"
        # Counted as issues change rather than by a scan: every issue body embeds
        # its milestone, so a scan here made each issue answer O(all issues).
        open_issues, closed_issues = repo.milestone_issue_counts(milestone.number)
        return {
            "url": url,
            "html_url": f"{WEB}/{repo.full_name}/milestone/{milestone.number}",
            "labels_url": f"{url}/labels",
            "id": milestone.id,
            "node_id": node_id("Milestone", milestone.id),
            "number": milestone.number,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.user(milestone.creator),
            "open_issues": open_issues,
            "closed_issues": closed_issues,
            "state": milestone.state,
            "created_at": timestamp(milestone.created_at),
            "updated_at": timestamp(milestone.updated_at),
            "due_on": timestamp(milestone.due_on),
            "closed_at": timestamp(milestone.closed_at),
        }

    def issue_type(self, issue_type: IssueType) -> Json:
        return {
            "id": issue_type.id,
            "node_id": node_id("IssueType", issue_type.id),
            "name": issue_type.name,
            "description": issue_type.description,
            "color": issue_type.color,
            "created_at": timestamp(issue_type.created_at),
            "updated_at": timestamp(issue_type.created_at),
            "is_enabled": True,
        }

    def issue_url(self, issue: Issue) -> str:
        return f"{self.repo_url(issue.repo)}/issues/{issue.number}"

    def issue(self, issue: Issue, *, single: bool = True) -> Json:
        """`single` adds what GitHub sends for one issue but not in lists."""
        url = self.issue_url(issue)
        repo = issue.repo
        milestone = None if issue.milestone is None else repo.milestones[issue.milestone]
        issue_type = None if issue.type is None else self._world.issue_type(repo, issue.type)
        done = sum(1 for sub in issue.sub_issues if sub.state == "closed")
        total = len(issue.sub_issues)
        body: Json = {
            "url": url,
            "repository_url": self.repo_url(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{WEB}/{repo.full_name}/issues/{issue.number}",
            "id": issue.id,
            "node_id": node_id("Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [self.label(repo, repo.require_label(name)) for name in issue.labels],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "milestone": None if milestone is None else self.milestone(repo, milestone),
            "comments": len(issue.comments),
            "created_at": timestamp(issue.created_at),
            "updated_at": timestamp(issue.updated_at),
            "closed_at": timestamp(issue.closed_at),
            "author_association": "MEMBER",
            "active_lock_reason": issue.active_lock_reason,
            "body": issue.body,
            "reactions": _reactions(url),
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
            "type": None if issue_type is None else self.issue_type(issue_type),
            "sub_issues_summary": {
                "total": total,
                "completed": done,
                "percent_completed": done * 100 // total if total else 0,
            },
            "parent_issue_url": None if issue.parent is None else self.issue_url(issue.parent),
        }
        if single:
            body["closed_by"] = None if issue.closed_by is None else self.user(issue.closed_by)
        return body

    def comment(self, comment: Comment) -> Json:
        issue = comment.issue
        url = f"{self.repo_url(issue.repo)}/issues/comments/{comment.id}"
        return {
            "url": url,
            "html_url": f"{WEB}/{issue.repo.full_name}/issues/{issue.number}#issuecomment-{comment.id}",
            "issue_url": self.issue_url(issue),
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "user": self.user(comment.user),
            "created_at": timestamp(comment.created_at),
            "updated_at": timestamp(comment.updated_at),
            "author_association": "MEMBER",
            "body": comment.body,
            "reactions": _reactions(url),
            "performed_via_github_app": None,
        }
