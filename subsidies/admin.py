"""Django admin for the subsidies app."""
