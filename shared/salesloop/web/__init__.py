"""HTTP pieces: app factory, problem+json errors, auth, health and metrics."""
