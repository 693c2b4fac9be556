"""The places app's migrations as the first release (commit 62f3e5a) shipped them, verbatim.

0001_initial was edited in place after that release (external ids, alternate names, the cell
index): a database made by the first release has this schema, not today's 0001's.
tests/test_migrations.py makes one from these files and upgrades it.
"""
