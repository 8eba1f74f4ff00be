"""Models of the assessments app arrive with its issue."""
