"""Data quality: comparing values across engines, the result history, and a check's outcome."""
