"""What the network publishes after a conference: the archive's read model, PDF, CSV, JSON
and the Atom feed.

Nothing here changes state. :mod:`.archive` decides what is published (the one place of that
rule); the other modules only format what it returns.
"""
