"""Salesloop's shared library: what every service stands on.

Nothing here does any work at import time; each piece is built by the service's
composition root (see ``salesloop.service.ServiceSpec``).
"""
