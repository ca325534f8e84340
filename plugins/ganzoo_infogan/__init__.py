"""Plugin infogan (work in progress)."""
