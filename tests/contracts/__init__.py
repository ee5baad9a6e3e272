"""Tests of the JSONB contracts: pure Python, no database."""
