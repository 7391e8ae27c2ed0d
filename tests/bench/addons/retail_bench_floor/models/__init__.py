from . import retail_bench_floor_delivery
