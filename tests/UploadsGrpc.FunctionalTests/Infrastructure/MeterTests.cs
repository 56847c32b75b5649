namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Classes that count a meter's values exactly run alone, after every other test: a meter provider listens to every
/// meter of its names in the process, so another test's host would add its calls to the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterTests
{
    public const string Name = "meter";
}
