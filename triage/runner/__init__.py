"""The run: listing, detail reads and re-planning, the plan memory, the apply step, the forecast
issue. The only part of the bot that talks to GitLab through the adapter while planning.
The modules: `run` (the orchestration, with the run lease), `details` (detail reads and
re-planning), `memory` (the plan memory and the code fingerprint), `apply` (one issue's writes),
`forecast_issue` (the forecast issue's upkeep).
"""

from .run import Mode, Outcome, RunResult, run, run_home

__all__ = ["Mode", "Outcome", "RunResult", "run", "run_home"]
