"""Watch rules: the query language, the rule index, subscriptions and backtests."""
