"""The use cases of warn. Each public function is one transaction (or a few, each whole),
and enqueues follow-up work only after its commit."""
