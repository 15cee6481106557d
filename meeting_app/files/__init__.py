"""Files people upload, stored in the database and served only to whom they belong."""
