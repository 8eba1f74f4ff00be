"""Django admin for the training app."""
