"""Execution engines for corpus-scale runs: projection over a folder of Parquet shards, locally or with Ray
(:mod:`xlner.engines.shards`)."""
