"""SQL generation, pure Python: every statement for the warehouse and the sources, by dialect."""
