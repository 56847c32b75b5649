using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The base address and headers every upstream request carries, worked out once: the factory configures a new
/// HttpClient for every gRPC call, and parsing them each time costs CPU on every call (bench/ANALYSIS.md). The
/// embedded emulator's address is read each time, because it is known only once the emulator has started.
/// </summary>
internal sealed class UpstreamRequestDefaults(IOptions<UpstreamOptions> options, EmbeddedEmulator emulator)
{
    private readonly Lazy<(Uri BaseAddress, KeyValuePair<string, string>[] Headers)> _values = new(() =>
    {
        var upstream = options.Value;
        var baseAddress = new Uri((upstream.BaseUrl ?? UpstreamOptions.DefaultBaseUrl).TrimEnd('/') + "/");
        List<KeyValuePair<string, string>> headers = [new("User-Agent", "UploadsGrpc/1.0")];
        // The real key, organization and project stay out of requests to the emulator.
        var emulated = upstream.ResolvedMode == UpstreamMode.Emulator;
        if ((emulated ? UpstreamOptions.EmulatorApiKey : upstream.ApiKey) is { } key)
        {
            headers.Add(new("Authorization", "Bearer " + key));
        }
        // OpenAI-Organization and OpenAI-Project depend on the caller: UpstreamIdentity sets them per request.
        return (baseAddress, [.. headers]);
    });

    public void ApplyTo(HttpClient http)
    {
        var (baseAddress, headers) = _values.Value;
        http.BaseAddress = options.Value.ResolvedMode == UpstreamMode.Emulator ? emulator.BaseAddress : baseAddress;
        // The caller's deadline, or Upstream:RequestTimeout, bounds each request instead.
        http.Timeout = Timeout.InfiniteTimeSpan;
        foreach (var (name, value) in headers)
        {
            // Our own constant values: parsing them again for every client would only cost time.
            http.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }
    }
}
