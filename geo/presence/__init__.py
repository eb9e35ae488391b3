"""Police presence: the log (planned and performed visits, with locking and audit), units and shifts, the week's proposal, inland rounds and the log's file import."""
