using System.Globalization;

namespace UploadsGrpc.Server.Upstream;

/// <summary>The query of GET /files; every value is percent-encoded, so none can add a parameter.</summary>
internal sealed record FileListQuery(int Limit, string Order, string? Purpose, string? After)
{
    public string ToPathAndQuery()
    {
        var query = $"files?limit={Limit.ToString(CultureInfo.InvariantCulture)}&order={Order}";
        if (Purpose is not null)
        {
            query += "&purpose=" + Uri.EscapeDataString(Purpose);
        }
        if (After is not null)
        {
            query += "&after=" + Uri.EscapeDataString(After);
        }
        return query;
    }
}
