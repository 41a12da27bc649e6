"""Routes page UI: funnels, cohorts, Sankey, service coverage, participant lists."""
