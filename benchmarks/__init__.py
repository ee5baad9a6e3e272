"""Benchmarks at scale S, M and L: `python -m benchmarks.generate` fills a database, `python -m benchmarks.run` measures;
`python -m benchmarks.vectors` measures filtered similarity search in a scratch database of its own.

See docs/performance.md for what is measured and the figures."""
