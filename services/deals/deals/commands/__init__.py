"""What the API and the event handlers do: short functions that load the rows,
ask the domain, write the rows back and publish the events, in one unit of work.

They never commit: the view commits (``common.commit``), or the event
processor does, together with the inbox row.
"""
