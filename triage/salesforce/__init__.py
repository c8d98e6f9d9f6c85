"""The Salesforce sync: the four EM fields written to each deal's opportunity, and what
Salesforce says of the deal read back. `ids` and `sync` are pure; `client` is the one door to
Salesforce; `state` keeps what the bot last wrote."""
