"""Community access standards: urgent community response within 2 hours, reablement within
2 days, community waiting lists and discharge delays (see README.md)."""
