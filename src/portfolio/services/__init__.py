"""Use cases over a database: the one door for changes and its audit trail, statistics, the demo."""
