"""Rendering results: tables, JSON, Markdown and SVG. Used by the CLI, the commands and the Action only."""
