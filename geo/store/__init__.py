"""The database: its schema, engine and migrations, the reads and writes of incidents and layers, backup and retention."""
