using BenchmarkDotNet.Running;
using UploadsGrpc.Benchmarks;

// bench/run.sh runs: dotnet run -c Release -- --filter '*' --job short --memory --artifacts DIR
BenchmarkSwitcher.FromAssembly(typeof(MappingBenchmarks).Assembly).Run(args);
