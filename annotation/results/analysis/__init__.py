"""Study analysis: a tidy frame from the database, metrics with clustered bootstrap intervals, mixed models."""
