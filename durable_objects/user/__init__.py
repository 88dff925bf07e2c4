"""The parts of a user's Durable Object, each over the object's own SQL storage."""
