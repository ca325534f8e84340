"""Dataset contracts and batching."""
