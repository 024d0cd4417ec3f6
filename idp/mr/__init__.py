"""The authorisation register (machtigingenregister, MR): answers the broker's XACML decision
query with the user's mandate for the represented company (spec §4.7, §3.2-§3.4, §7)."""
