"""The benchmark runner: every model × dataset × seed under one budget, compared side by side.

:func:`ganzoo.bench.runner.run_bench` trains and evaluates the cells of a
:class:`ganzoo.bench.runner.BenchRequest`, resumes an output folder, and writes its reports.
"""
