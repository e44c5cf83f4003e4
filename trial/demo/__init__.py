"""A realistic demonstration trial in Leeds' night-time economy (synthetic data, fixed seed)."""
