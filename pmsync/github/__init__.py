"""Everything about issues: their plain types and the Tracker protocol (`issues`),
the PyGithub client (`client`, imported only by commands that talk to GitHub),
issue content and markers, the state file, the snapshot and the item->issue index."""
