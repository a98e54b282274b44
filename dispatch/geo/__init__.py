"""Reference geography: China's administrative divisions (not demo data; production code reads it)."""
