"""Escalation pages, by sub-domain: `escalations` (list, raise, detail, steps),
`second_person` (ask and decide), `dashboard`, `closure_days` and `practice_reviews`. Each view
has one gate (permissions.py); services enforce the rules and the workflow."""
