"""smartlev."""
