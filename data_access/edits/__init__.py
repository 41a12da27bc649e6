"""Light edits on the shared store: permission, validation, optimistic concurrency,
audit and data-version bump — all in one transaction per edit. One module per entity
(``plans``, ``stage``, ``sla``, ``services``, ``targeting``, ``alerts``, ``accounts``);
``common`` holds the plumbing they share. Import the module you need.

Every write function takes the ``Viewer`` doing the edit and, for an existing row,
the ``version`` the person opened. Order of checks, inside one write transaction:

1. **Permission** (here, not only by hiding a form), as ``rules.access`` decides per
   entity: analista PMO and admin may edit everything; a comité regional only the
   records of the municipalities of its oficina regional; an operador only its own
   contracts' ANS values and service deliveries; directivo (and any unknown role)
   nothing → ``PermissionDenied``.
2. **Optimistic concurrency**: the row is read ``FOR UPDATE`` (PostgreSQL; on SQLite
   ``BEGIN IMMEDIATE`` serialises writers) and written with
   ``UPDATE ... WHERE id = :id AND version = :opened`` (rowcount checked). A row that
   changed since it was opened → ``StaleEdit`` listing what the other person changed
   (field: theirs vs yours); nothing is overwritten.
3. **Validation** with the pure rules of ``rules.edit.validation`` → ``ValidationFailed``.
4. Write, ``audit.record`` (same transaction), ``versions.bump`` of the affected topics.

Any exception rolls the whole transaction back: nothing is written. Each module also
holds the scoped reads its forms need (with row versions), each declaring the data
topics it reads (``@reads``) for the UI cache.
"""
