"""Input side: raw bytes in, draft stories out (repair, parse, extract, poll)."""
