"""The chain-authorisation register (MR2, ketenmachtigingsregister): confirms a client's chain
mandate for an intermediary without user interaction (spec §7)."""
