using BenchmarkDotNet.Running;
using UploadsGrpc.Benchmarks;

// bench/run.sh runs: dotnet run -c Release -- --filter '*' --job short --memory
BenchmarkSwitcher.FromAssembly(typeof(MappingBenchmarks).Assembly).Run(args);
