using System.Diagnostics;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Certificates made by openssl in a temporary directory, as an operator's tooling would: a CA, two server
/// certificates for 127.0.0.1 and localhost signed by it, one signed by an intermediate of it (its file holds the
/// chain), a client certificate from the CA, and a client certificate from another CA. EC keys, for speed.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("uploadsgrpc-tls-").FullName;
        Ca = Authority("ca", "UploadsGrpc Test CA", issuer: null);
        OtherCa = Authority("other-ca", "UploadsGrpc Other CA", issuer: null);
        var intermediate = Authority("intermediate", "UploadsGrpc Test Intermediate", issuer: Ca);
        Server = Leaf("server", "server one", Ca, ServerExtensions);
        SecondServer = Leaf("second-server", "server two", Ca, ServerExtensions);
        var chained = Leaf("chained-server", "server three", intermediate, ServerExtensions);
        ChainedServer = chained with { CertificatePath = Path.Combine(Directory, "chained-server-chain.crt") };
        File.WriteAllText(ChainedServer.CertificatePath, File.ReadAllText(chained.CertificatePath) + File.ReadAllText(intermediate.CertificatePath));
        Client = Leaf("client", "client one", Ca, ClientExtensions);
        OtherClient = Leaf("other-client", "client of another CA", OtherCa, ClientExtensions);
        Intermediate = intermediate;
        IntermediateClient = Leaf("intermediate-client", "client of the intermediate", intermediate, ClientExtensions);
        SpiffeClient = Leaf("spiffe-client", "workload", Ca, ClientExtensions + "subjectAltName=URI:" + SpiffeId + "\n");
    }

    private const string ServerExtensions = "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
    private const string ClientExtensions = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
    private const string AuthorityExtensions = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

    public string Directory { get; }

    public CertificateFiles Ca { get; }

    public CertificateFiles OtherCa { get; }

    public CertificateFiles Server { get; }

    public CertificateFiles SecondServer { get; }

    /// <summary>Signed by an intermediate CA; the certificate file holds the server's certificate, then the intermediate.</summary>
    public CertificateFiles ChainedServer { get; }

    public CertificateFiles Client { get; }

    public CertificateFiles OtherClient { get; }

    /// <summary>An intermediate CA under <see cref="Ca"/>.</summary>
    public CertificateFiles Intermediate { get; }

    /// <summary>A client certificate issued by <see cref="Intermediate"/>, as a mesh's workload certificates usually are.</summary>
    public CertificateFiles IntermediateClient { get; }

    /// <summary>The URI SAN of <see cref="SpiffeClient"/>, as a mesh's workload certificate names its workload.</summary>
    public const string SpiffeId = "spiffe://cluster.local/ns/tests/sa/workload";

    /// <summary>A client certificate of <see cref="Ca"/> whose URI SAN is <see cref="SpiffeId"/> (its common name is "workload").</summary>
    public CertificateFiles SpiffeClient { get; }

    /// <summary>A new empty directory for one test's files, which the test may replace.</summary>
    public string NewDirectory() => System.IO.Directory.CreateDirectory(Path.Combine(Directory, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>Copies <paramref name="source"/> into a new directory as the files a server is pointed at.</summary>
    public CertificateFiles Serving(CertificateFiles source)
    {
        var directory = NewDirectory();
        var files = new CertificateFiles(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        File.Copy(source.CertificatePath, files.CertificatePath);
        File.Copy(source.KeyPath, files.KeyPath);
        return files;
    }

    /// <summary>Replaces <paramref name="destination"/> at once, as a tool that writes a temporary file and renames it over does.</summary>
    public static void Replace(string destination, byte[] content)
    {
        var temporary = destination + ".tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, destination, overwrite: true);
    }

    private CertificateFiles Authority(string name, string subject, CertificateFiles? issuer)
    {
        var files = Files(name);
        if (issuer is null)
        {
            OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", files.KeyPath, "-out", files.CertificatePath, "-days", "2", "-subj", $"/CN={subject}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            return files;
        }
        return Signed(files, subject, issuer, AuthorityExtensions);
    }

    private CertificateFiles Leaf(string name, string subject, CertificateFiles issuer, string extensions) =>
        Signed(Files(name), subject, issuer, extensions);

    private CertificateFiles Signed(CertificateFiles files, string subject, CertificateFiles issuer, string extensions)
    {
        var request = Path.ChangeExtension(files.CertificatePath, ".csr");
        var extensionFile = Path.ChangeExtension(files.CertificatePath, ".ext");
        File.WriteAllText(extensionFile, extensions);
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", files.KeyPath, "-out", request, "-subj", $"/CN={subject}");
        OpenSsl("x509", "-req", "-in", request, "-CA", issuer.CertificatePath, "-CAkey", issuer.KeyPath, "-set_serial",
            Random.Shared.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-days", "2", "-extfile", extensionFile, "-out", files.CertificatePath);
        return files;
    }

    private CertificateFiles Files(string name) => new(Path.Combine(Directory, name + ".crt"), Path.Combine(Directory, name + ".key"));

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {error.Result}");
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
