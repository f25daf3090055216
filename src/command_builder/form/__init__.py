"""form layer."""
