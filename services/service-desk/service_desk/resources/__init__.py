"""The HTTP resources: one flask-smorest Blueprint per resource, built per app."""
