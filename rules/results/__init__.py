"""Results framework: the indicator catalogue, targets' trajectory and status, agreements."""
