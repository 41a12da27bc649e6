"""Results framework in the store: indicators for a viewer, targets, agreements, comments."""
