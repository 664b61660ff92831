"""warn: early-warning dispatch for police anti-fraud centres."""
