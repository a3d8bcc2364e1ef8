"""Events: envelope, catalog, outbox, relay, inbox, consumer and dead letters."""
