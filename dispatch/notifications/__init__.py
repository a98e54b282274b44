"""Owner messages and webhooks through a transactional outbox (see `outbox` and `worker`)."""
