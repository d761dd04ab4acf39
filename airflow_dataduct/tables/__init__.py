"""The table model: ``tables/*.sql`` Redshift CREATE TABLE files, parsed once."""
