"""Personal data (R12–R14): sealed per person, destroyed by deleting the person's key."""
