using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Mapping;

/// <summary>
/// Logs and counts enum values the upstream sent that the contract does not name yet, so a new upstream value
/// is noticed (and the contract extended) instead of failing calls or passing unseen.
/// </summary>
internal sealed class UnknownEnumReporter
{
    public const string MeterName = "UploadsGrpc.Server";

    private readonly ILogger<UnknownEnumReporter> _logger;
    private readonly Counter<long> _unknownValues;
    private readonly string? _apiKey;

    public UnknownEnumReporter(ILogger<UnknownEnumReporter> logger, IMeterFactory meters, IOptions<UpstreamOptions>? upstream = null)
    {
        _logger = logger;
        _apiKey = upstream?.Value.ApiKey;
        _unknownValues = meters.Create(MeterName).CreateCounter<long>(
            "uploadsgrpc.mapping.unknown_enum_values", unit: "{value}",
            description: "Upstream enum strings the contract does not name, mapped to _UNSPECIFIED.");
    }

    public void Report(string field, string value)
    {
        // The upstream's word, so neither trusted to hold no key nor to be short or on one line.
        value = TextBounds.OneLine(TextBounds.Cut(KeyRedaction.Redact(value, _apiKey), TextBounds.MaxDetailChars));
        _unknownValues.Add(1, new KeyValuePair<string, object?>("field", field), new KeyValuePair<string, object?>("value", value));
        ServerLog.UnknownEnumValue(_logger, field, value);
    }
}
