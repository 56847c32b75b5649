using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The base address and headers every upstream request carries, worked out once. The factory configures a new
/// HttpClient for every gRPC call; parsing a Uri and building typed header values each time cost measurable CPU
/// per call, so the values are computed once and then copied. The embedded emulator's address is read each time:
/// it is known only once the emulator has started.
/// </summary>
internal sealed class UpstreamRequestDefaults(IOptions<UpstreamOptions> options, EmbeddedEmulator emulator)
{
    private readonly Lazy<(Uri BaseAddress, KeyValuePair<string, string>[] Headers)> _values = new(() =>
    {
        var upstream = options.Value;
        var baseAddress = new Uri(upstream.BaseUrl.AbsoluteUri.TrimEnd('/') + "/");
        List<KeyValuePair<string, string>> headers = [new("User-Agent", "UploadsGrpc/1.0")];
        if (upstream.ApiKey is { } key)
        {
            headers.Add(new("Authorization", "Bearer " + key));
        }
        if (upstream.Organization is { } organization)
        {
            headers.Add(new("OpenAI-Organization", organization));
        }
        if (upstream.Project is { } project)
        {
            headers.Add(new("OpenAI-Project", project));
        }
        return (baseAddress, [.. headers]);
    });

    public void ApplyTo(HttpClient http)
    {
        var (baseAddress, headers) = _values.Value;
        http.BaseAddress = options.Value.Mode == UpstreamMode.Emulator ? emulator.BaseAddress : baseAddress;
        // The caller's deadline, or Upstream:RequestTimeout, bounds each request instead.
        http.Timeout = Timeout.InfiniteTimeSpan;
        foreach (var (name, value) in headers)
        {
            // Our own constant values: parsing them again for every client would only cost time.
            http.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }
    }
}
