"""Route funnels, cohorts and participant lists in SQL."""
