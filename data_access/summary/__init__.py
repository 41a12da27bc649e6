"""Summaries of large tables, kept exact by the writers in their own transaction (issue 20).

``sla``: per enrolment, what the derived ANS read from stage events and deliveries.
"""
