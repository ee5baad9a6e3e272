"""Analytics: reports read from rollups and refreshed statistics."""
