"""A simulator of a store's tills, for the tests and the benchmarks."""
