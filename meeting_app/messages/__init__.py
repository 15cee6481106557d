"""Messages that organisers write to the participants a filter picks (issue 17)."""
