"""Django admin for the reserves app."""
