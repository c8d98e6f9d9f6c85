"""The daily digest: what each person is told once a business day (`items`), from the day's
reminders and escalations (`due.reminders`) and the deals overdue for them (`overdue`). Pure:
the runner keeps the digest issues (`runner/digest_issue.py`)."""
