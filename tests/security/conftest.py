"""Attacks on the bot through GitLab's API, one test per attack.

Each test acts as someone who may be careless or hostile (another user's token through
python-gitlab, a hostile data block, template or label, a pasted token, runs started together),
lets the bot run, and asserts the safe outcome as GitLab shows it afterwards. The list of the
bot's guarantees can be read from the test names here.
"""

# The `scoping` fixture (the shipped policies on a fresh emulator) is tests/conftest.py's.
