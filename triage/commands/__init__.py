"""One module per command; each takes its dependencies and returns an exit code."""
