pytest_plugins = ["gitlab_emulator.pytest_plugin"]
