"""Benchmark harness for the Client Portal: ``python -m bench --size M --db postgres``.

See bench/README.md. The pieces: ``dataset`` (create or reuse a seeded database), ``server``
(gunicorn on loopback with ``bench.settings``), ``webclient`` (login and timed requests),
``pages`` (which portal URLs to measure), ``stats`` and ``report`` (numbers and Markdown).
"""
