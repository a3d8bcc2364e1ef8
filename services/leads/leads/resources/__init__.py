"""The HTTP resources: one flask-smorest Blueprint per resource, built when the app is."""
