"""The access matrix's test support: loading docs/access-matrix/*.yaml, object kinds, outcomes."""
