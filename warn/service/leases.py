"""How long a worker holds what it sends, shared by single deliveries and grouped pages."""

from datetime import timedelta

# Longer than the slowest send with all its retries: a claim older than this was lost
# with its worker, and the sweeper hands the delivery out again (same idempotency key).
LEASE = timedelta(seconds=30)
# A gateway that keeps failing transiently gets this many rounds of retries, a few
# seconds apart (the sweeper re-drives), before the delivery counts as failed.
ROUNDS = 3
PAUSE_BETWEEN_ROUNDS = timedelta(seconds=2)
