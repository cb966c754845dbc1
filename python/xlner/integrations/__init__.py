"""Bridges to other libraries' data structures (Hugging Face ``datasets``: :mod:`xlner.integrations.hf`)."""
