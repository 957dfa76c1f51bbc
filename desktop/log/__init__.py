"""The acceptance log: what was suggested and what became of it, in a local SQLite file, and what is read from
it (stats, tuning)."""
