"""Case-data importers: each turns one file format into ChildRecord and EventRecord lists.

Importers only read and validate; qaf.cases.services.case_import_apply writes, in one
transaction, so a refused file writes nothing.
"""
