"""The orders service's domain: plain Python, no framework.

- ``lifecycle``  order states and ``transition`` (history entries)
- ``items``      order items, amounts, item and pricing validation
- ``order``      drafts, immutable versions and the ``Order`` aggregate
- ``plan``       execution plan: stages, owners, due dates, progress, overdue
- ``changes``    change requests: assess, approve/reject, apply as a new version
- ``storefront`` storefront order payloads mapped into drafts
- ``currency``, ``workdays``, ``validation``, ``errors``  shared building blocks
"""
