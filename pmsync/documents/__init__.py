"""Documents on disk: finding and reading them, the scan and its cache, span edits, saving."""
