"""What the API and the event handlers do: short functions ``verb_noun(uow, …)``
that load rows, call the domain and write rows and events in the caller's unit
of work. The caller commits (a view) or the event processor does (a handler)."""
