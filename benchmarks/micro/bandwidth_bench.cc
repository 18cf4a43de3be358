// STREAM-style read bandwidth of this machine (512 MiB array), 1 and 2 threads of our pool.
//   build/benchmarks/bandwidth_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only
#include "bench_common.h"

BENCHMARK(litertlm::bench::ReadBandwidth)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
