using System.Buffers.Text;
using System.Text;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Files;

namespace UploadsGrpc.Server.Tests.Files;

/// <summary>ListFiles' page tokens: opaque to clients, bound to the filters they were issued for.</summary>
public sealed class PageTokenTests
{
    [Fact]
    public void An_issued_token_gives_back_its_cursor_under_the_same_filters()
    {
        var filters = PageToken.Filters("batch", "desc");

        var token = PageToken.Issue(filters, "file-abc123");

        Assert.Equal("file-abc123", PageToken.Read(token, filters));
        Assert.DoesNotContain("file-abc123", token, StringComparison.Ordinal);
    }

    [Fact]
    public void The_empty_token_is_the_first_page() =>
        Assert.Null(PageToken.Read("", PageToken.Filters(null, "asc")));

    [Theory]
    [InlineData("batch", "desc", null, "desc")]
    [InlineData("batch", "desc", "assistants", "desc")]
    [InlineData("batch", "desc", "batch", "asc")]
    [InlineData(null, "asc", "batch", "asc")]
    public void A_token_used_with_other_filters_is_refused(string? issuedPurpose, string issuedOrder, string? purpose, string order)
    {
        var token = PageToken.Issue(PageToken.Filters(issuedPurpose, issuedOrder), "file-1");

        var refused = Assert.Throws<InvalidRequestException>(() => PageToken.Read(token, PageToken.Filters(purpose, order)));

        var violation = Assert.Single(refused.Violations);
        Assert.Equal("page_token", violation.Field);
        Assert.StartsWith("was issued for other filters", violation.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64url!")]
    [InlineData("AAAA")]
    [InlineData("=")]
    public void A_token_this_service_did_not_issue_is_refused(string token)
    {
        var refused = Assert.Throws<InvalidRequestException>(() => PageToken.Read(token, PageToken.Filters(null, "desc")));

        var violation = Assert.Single(refused.Violations);
        Assert.Equal("page_token", violation.Field);
        Assert.StartsWith("is not a token this service issued", violation.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2\n|desc\nfile-1")]
    [InlineData("1\n|desc\n")]
    [InlineData("1\n|desc")]
    public void A_forged_token_of_another_version_or_without_a_cursor_is_refused(string plain)
    {
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(plain));

        var refused = Assert.Throws<InvalidRequestException>(() => PageToken.Read(token, PageToken.Filters(null, "desc")));

        Assert.Equal("page_token", Assert.Single(refused.Violations).Field);
    }
}
