"""Commands: what the API, the event handlers and the sweeps do to the Leads database.

Each one is a short function over a unit of work that calls the domain rules,
changes the records and publishes the events of the change in the same
transaction (the outbox). Callers commit.
"""
