using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>The query of GET /files and the path segment of an id: a caller's value can never add a parameter or a segment.</summary>
public sealed class FileListQueryTests
{
    [Theory]
    [InlineData(100, "desc", null, null, "files?limit=100&order=desc")]
    [InlineData(10000, "asc", "batch", "file-abc", "files?limit=10000&order=asc&purpose=batch&after=file-abc")]
    [InlineData(1, "desc", "fine-tune&limit=1", "a b/c?d#e", "files?limit=1&order=desc&purpose=fine-tune%26limit%3D1&after=a%20b%2Fc%3Fd%23e")]
    public void Every_value_is_percent_encoded(int limit, string order, string? purpose, string? after, string expected) =>
        Assert.Equal(expected, new FileListQuery(limit, order, purpose, after).ToPathAndQuery());

    [Theory]
    [InlineData("upload_abc123", "upload_abc123")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("%2e%2e", "%252e%252e")]
    [InlineData("../x?y=1#z", "..%2Fx%3Fy%3D1%23z")]
    [InlineData("é", "%C3%A9")]
    public void An_id_is_one_path_segment(string id, string expected) =>
        Assert.Equal(expected, PathSegment.Encode(id));
}
