"""Policies: the typed model, the loader with file:line errors, and the lifecycle checks."""
