"""Privacy: what is kept about participants, for how long, who did what with it."""
