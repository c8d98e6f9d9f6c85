"""The run: listing, detail reads and re-planning, the plan memory, the apply step, the forecast
issue. The only part of the bot that talks to GitLab through the adapter while planning."""
