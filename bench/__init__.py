"""Load benchmark of the quiz server, with a floor and a peer baseline (see docs/performance.md)."""
