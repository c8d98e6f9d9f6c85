"""The rules: conditions, actions, the fiscal calendar. Pure: no I/O, no clock, no network."""
