"""The GitLab adapter: the only package that talks to GitLab."""
