"""ps-triage: a GitLab triage bot for Professional Services scoping issues."""

# The one place the version is written: pyproject.toml reads it (`dynamic = ["version"]`), the
# release job checks the tag against it, and `triage init` pins the CI it writes to it.
__version__ = "0.1.0"
