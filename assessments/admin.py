"""Django admin for the assessments app."""
