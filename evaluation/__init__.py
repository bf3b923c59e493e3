"""End-to-end evaluation: customer journeys played against a running csbot, and judged."""
