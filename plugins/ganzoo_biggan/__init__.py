"""Plugin biggan (work in progress)."""
