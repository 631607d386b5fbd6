"""Delivery: turn alerts into email and chat messages that arrive once, on time, and never get lost."""
