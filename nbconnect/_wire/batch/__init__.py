"""Provider batch APIs (one module each), driven through the live adapters."""
