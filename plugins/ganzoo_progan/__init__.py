"""Plugin progan (work in progress)."""
