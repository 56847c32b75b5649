using Grpc.Core;

namespace UploadsGrpc.Hostile;

/// <summary>
/// What a case must get: the exact status and ErrorInfo (domain, reason), and what else the contract says of it.
/// Every case also gets the invariants: the server up after it, the key nowhere, bounded texts, ErrorInfo present.
/// </summary>
internal sealed record Expect(StatusCode Code, string? Reason = null, string Domain = "uploadsgrpc")
{
    /// <summary>Other reasons the contract allows for this case.</summary>
    public string[] OrReasons { get; init; } = [];

    /// <summary>The framework refuses this before the service runs: ErrorInfo with <see cref="Reason"/> if present, else none.</summary>
    public bool InfoOptional { get; init; }

    /// <summary>A BadRequest must name this field.</summary>
    public string? Field { get; init; }

    /// <summary>Validation refuses first: the upstream must receive nothing for this case.</summary>
    public bool NoUpstream { get; init; }

    /// <summary>null: not checked; false: no RetryInfo; true: a RetryInfo within [RetryMin, RetryMax].</summary>
    public bool? Retry { get; init; }

    public TimeSpan RetryMin { get; init; } = TimeSpan.Zero;

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The grpc-message must contain this.</summary>
    public string? MessageContains { get; init; }

    /// <summary>ErrorInfo metadata must hold this key.</summary>
    public string? MetadataKey { get; init; }

    /// <summary>The x-request-id trailer: null not checked, "" absent, else exactly this.</summary>
    public string? RequestId { get; init; }

    /// <summary>For framework answers outside gRPC (HTTP/1.1, wrong content type): the exact transport summary.</summary>
    public string? Transport { get; init; }

    /// <summary>The server's log lines during the case: one line at Information or Debug, none above, no stack trace.</summary>
    public bool QuietLog { get; init; }

    /// <summary>No log line of the case may hold a stack trace (the contract says so for cancels, disconnects and invalid responses).</summary>
    public bool NoStackTrace { get; init; }
}

/// <summary>One hostile case: its id, the side it attacks, what it does, what it must get, and more checks of its own.</summary>
internal sealed record Case(string Id, Func<CaseContext, Task<Outcome>> Run, Expect Expect)
{
    public string Tag { get; set; } = "";

    public List<Func<CaseContext, Outcome, Task<string?>>> Checks { get; init; } = [];

    public Case Check(Func<CaseContext, Outcome, Task<string?>> check)
    {
        Checks.Add(check);
        return this;
    }

    public Case Check(Func<CaseContext, Outcome, string?> check)
    {
        Checks.Add((c, o) => Task.FromResult(check(c, o)));
        return this;
    }
}

/// <summary>The result of one case: what it got, and every way that differed from the contract.</summary>
internal sealed record CaseResult(Case Case, Outcome Outcome, List<string> Problems);
