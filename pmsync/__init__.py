"""pmsync: postmortem action items as GitHub issues, with status written back."""

__version__ = "0.1.0"
