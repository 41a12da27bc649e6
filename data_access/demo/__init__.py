"""Deterministic demo data: a whole programme generated from one seed and bulk-loaded.

Why: the dashboard, its tests and its benchmarks need a store that looks like a real
programme (regions and operators that differ, drop-outs where seed 000 puts filters,
cohorts still mid-route) at three sizes: ``demo`` (tests, ``make run``), ``national``
(benchmarks) and ``x10``. Everything comes from ``numpy.random.default_rng(seed)`` on the
DIVIPOLA catalogue already in the store, so the same seed gives the same rows; no date
falls after ``parameters.REFERENCE_DATE`` (2026-11-23).

Modules, in the order a seed uses them:

* ``seed`` — the entry point ``seed(url, scale, seed)`` (and ``StoreNotEmpty``);
* ``reference`` — the catalogue read from the store; ``parameters`` — sizes, calendar and
  the programme's "personality"; ``vocabulary`` — names and plain-Spanish texts;
* ``generator`` — ``generate(ref, scale, seed)`` and the state the areas share; the areas:
  ``territory`` (targeting, alerts), ``operators`` (operators, contracts), ``participants``
  (OPR, households), ``routes`` (enrolments, stage events), ``deliveries``, ``alliance``
  (business plans, evidence, sales), ``sla`` (ANS definitions and reported values);
  ``arrays`` — the numpy column helpers they use;
* ``load`` — bulk loading; ``store`` — table order, counts, clearing; ``accounts`` — the
  demo accounts and their passwords.
"""
