"""Travel, hotels and sponsored participation (issue 18): what a meeting switches on."""
