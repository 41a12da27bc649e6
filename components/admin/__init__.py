"""Administration UI: accounts and the municipality → regional office mapping."""
