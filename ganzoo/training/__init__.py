"""The one generic training loop and everything a run needs around it."""
