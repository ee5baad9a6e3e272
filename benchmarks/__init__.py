"""Benchmarks at scale S, M and L: `python -m benchmarks.generate` fills a database, `python -m benchmarks.run` measures.

See docs/performance.md for what is measured and the figures."""
