"""Checks the model tests share, from the kit third-party plugins test with
(:mod:`ganzoo.testing`): a run trained in two calls must equal one trained in one."""

from ganzoo.testing.runs import checkpoint_tensors, resumes_exactly

__all__ = ["checkpoint_tensors", "resumes_exactly"]
