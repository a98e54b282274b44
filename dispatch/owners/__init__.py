"""Car owners and their vehicles."""
