"""Planning on top of the simulator: compare scenarios, size pools, break-even, sensitivity, forecast."""
