"""The questions a meeting adds to its registration form, and the answers (issue 18)."""
