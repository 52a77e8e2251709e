"""Facts derived once from the canonical tables (tickets, responses, customers...)."""
