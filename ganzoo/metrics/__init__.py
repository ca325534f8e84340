"""Measuring generators: the metric contract (:mod:`ganzoo.metrics.base`), the metrics ganzoo
ships (registered by the ``metrics`` plugin) and :func:`ganzoo.metrics.evaluate.evaluate_run`.
"""
