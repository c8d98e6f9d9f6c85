"""ps-triage: a GitLab triage bot for Professional Services scoping issues."""
