"""Route model (stages, transitions) and cohort/funnel builders."""
