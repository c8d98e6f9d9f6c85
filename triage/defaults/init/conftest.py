# The `scoping` fixture runs this repository's policies on a GitLab emulator (see triage.testing).
pytest_plugins = ["triage.pytest_plugin"]
