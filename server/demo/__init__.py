"""Demo territories loaded by `cpts demo load`."""
