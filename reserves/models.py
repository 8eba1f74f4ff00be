"""Models of the reserves app arrive with its issue."""
