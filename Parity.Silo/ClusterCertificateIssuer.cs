using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Parity.Silo;

/// <summary>
/// The cluster CA and the leaf certificates it issues to silos and gateways, as PEM files (ECDSA P-256). A leaf is
/// both a TLS server and a TLS client: every silo accepts connections and opens them, and the gateway is a client.
/// </summary>
public static partial class ClusterCertificateIssuer
{
    public const string AuthorityCertificateFile = "ca.crt";
    public const string AuthorityKeyFile = "ca.key";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Writes DIR/ca.crt and DIR/ca.key (mode 0600); refuses if either exists. Returns the two paths.</summary>
    public static (string Certificate, string Key) CreateAuthority(string directory, string commonName, TimeSpan lifetime)
    {
        var certificatePath = Path.Combine(directory, AuthorityCertificateFile);
        var keyPath = Path.Combine(directory, AuthorityKeyFile);
        RefuseExisting(certificatePath, keyPath);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        // pathLength 0: the CA signs leaves only, never another CA.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        // Back-dated a little, so a machine whose clock is slightly behind still accepts it.
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime));

        Directory.CreateDirectory(directory);
        WriteSecret(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(certificatePath, certificate.ExportCertificatePem());
        return (certificatePath, keyPath);
    }

    /// <summary>
    /// Writes DIR/NAME.crt and DIR/NAME.key (mode 0600), signed by the CA in <paramref name="authorityDirectory"/>; the
    /// subject alternative names are NAME and the given DNS names and IP addresses. Refuses if either file exists.
    /// </summary>
    public static (string Certificate, string Key) Issue(string name, string authorityDirectory, string directory,
        IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, TimeSpan lifetime)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"NAME must be 1-64 letters, digits, '.', '_' or '-', got '{name}'");
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        RefuseExisting(certificatePath, keyPath);

        using var authority = X509Certificate2.CreateFromPemFile(
            Path.Combine(authorityDirectory, AuthorityCertificateFile), Path.Combine(authorityDirectory, AuthorityKeyFile));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames.Prepend(name).Distinct(StringComparer.OrdinalIgnoreCase)) names.AddDnsName(dns);
        foreach (var address in addresses.Distinct()) names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));

        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(lifetime);
        // A leaf cannot outlive the CA that vouches for it.
        if (notAfter > authority.NotAfter) notAfter = authority.NotAfter;
        using var certificate = request.Create(authority, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));

        Directory.CreateDirectory(directory);
        WriteSecret(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(certificatePath, certificate.ExportCertificatePem());
        return (certificatePath, keyPath);
    }

    private static void RefuseExisting(params string[] paths)
    {
        foreach (var path in paths)
            if (File.Exists(path)) throw new IOException($"{path} exists; refusing to overwrite it");
    }

    /// <summary>Created with mode 0600 from the start (never readable by others, not even briefly), and never over a file.</summary>
    private static void WriteSecret(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(path, options);
        writer.Write(text);
        writer.Write('\n');
    }

    private static void WritePublic(string path, string text)
    {
        using var writer = new StreamWriter(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write });
        writer.Write(text);
        writer.Write('\n');
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
