"""What ps-triage knows about one issue: frozen snapshots and what is parsed from them."""
