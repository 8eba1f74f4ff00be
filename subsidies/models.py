"""Models of the subsidies app arrive with its issue."""
