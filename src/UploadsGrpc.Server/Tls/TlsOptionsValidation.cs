using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Tls;

/// <summary>
/// Refuses TLS settings that cannot serve: a key or CA file without a certificate (the port would quietly stay
/// cleartext), and files that cannot be loaded now. A file that breaks later only fails its reload.
/// </summary>
internal sealed class TlsOptionsValidation : IValidateOptions<TlsOptions>
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        var failures = new List<string>();
        if (options.ReloadInterval < MinInterval || options.ReloadInterval > MaxInterval)
        {
            failures.Add("Tls:ReloadInterval must be from 00:00:00.1 to 01:00:00.");
        }
        if (!options.Enabled)
        {
            if (!string.IsNullOrWhiteSpace(options.KeyPath) || !string.IsNullOrWhiteSpace(options.ClientCaPath))
            {
                failures.Add("Tls:KeyPath and Tls:ClientCaPath need Tls:CertificatePath; without it the port serves cleartext.");
            }
            return Result(failures);
        }
        // The start loads them again; trying them here is what makes a bad file one line naming its setting.
        Try(failures, () => ServerCertificateSource.Files(options).Load(ServerCertificateSource.Load));
        if (options.ChecksClientCertificates)
        {
            Try(failures, () => ClientCertificateTrust.Files(options).Load(ClientCertificateTrust.Load));
        }
        return Result(failures);
    }

    private static void Try<T>(List<string> failures, Func<T> load)
    {
        try
        {
            load();
        }
        catch (TlsFileException unusable)
        {
            failures.Add(unusable.Message);
        }
    }

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
}
