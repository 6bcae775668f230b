"""Services: each opens one transaction, works through the pure domain, and commits."""
