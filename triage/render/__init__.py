"""Comments: Markdown escaping, sandboxed templates and the hidden markers that make them idempotent."""
