using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The callers' API keys, by the SHA-256 of each: the keys themselves are never configured, held or logged.
/// Looking up the hash in a dictionary leaks, through timing, only something about the hash of the token sent,
/// which tells an attacker nothing about any real key; a fixed-time compare is not needed.
/// </summary>
internal sealed class ApiKeyStore(IOptions<AuthOptions> options)
{
    private readonly FrozenDictionary<string, string> _callers = options.Value.ApiKeys
        .ToFrozenDictionary(key => key.Sha256.ToLowerInvariant(), key => key.Caller, StringComparer.Ordinal);

    /// <summary>The caller whose key <paramref name="token"/> is, or null.</summary>
    public string? Find(string token) =>
        _callers.GetValueOrDefault(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))));
}
