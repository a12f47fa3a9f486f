using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Parity.Configuration;

namespace Parity.Hosting;

/// <summary>
/// This process's identity on the Orleans ports (its leaf certificate and key) and the one root it trusts (the cluster
/// CA), read from CLUSTER_TLS_CA / CLUSTER_TLS_CERT / CLUSTER_TLS_KEY. Loading checks what would otherwise fail later
/// and far from its cause (an unreadable file, a key of another certificate, a certificate of another CA, an expired
/// one): every failure is a <see cref="ConfigurationException"/> naming the key.
/// </summary>
public sealed class ClusterCredentials : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private ClusterCredentials(X509Certificate2 authority, X509Certificate2 certificate)
    {
        Authority = authority;
        Certificate = certificate;
    }

    /// <summary>The cluster CA (no private key).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static ClusterCredentials Load(ClusteringOptions options, TimeProvider? time = null)
    {
        if (!options.UsesTls) throw new InvalidOperationException("CLUSTER_TLS_* is not configured");
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var authority = ReadCertificate("CLUSTER_TLS_CA", options.TlsCaPath!);
        try
        {
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                throw new ConfigurationException(
                    $"CLUSTER_TLS_CA ({options.TlsCaPath}) is not a CA certificate (make one with: parity-runner cluster init-ca --out DIR)");
            CheckValidity("CLUSTER_TLS_CA", options.TlsCaPath!, authority, now);

            var leaf = ReadCertificate("CLUSTER_TLS_CERT", options.TlsCertificatePath!);
            X509Certificate2 withKey;
            try
            {
                CheckValidity("CLUSTER_TLS_CERT", options.TlsCertificatePath!, leaf, now);
                var keyPem = ReadText("CLUSTER_TLS_KEY", options.TlsKeyPath!);
                withKey = AttachKey(leaf, keyPem, options);
            }
            finally
            {
                leaf.Dispose();
            }

            try
            {
                var usages = withKey.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages
                    .Cast<Oid>().Select(o => o.Value).ToHashSet();
                if (usages is null || !usages.Contains(ServerAuth) || !usages.Contains(ClientAuth))
                    throw new ConfigurationException(
                        $"CLUSTER_TLS_CERT ({options.TlsCertificatePath}) must allow both server and client authentication " +
                        "(every silo and gateway is both; issue it with: parity-runner cluster issue NAME --ca DIR --out DIR)");
                var credentials = new ClusterCredentials(authority, withKey);
                if (!credentials.Trusts(withKey, now))
                    throw new ConfigurationException(
                        $"CLUSTER_TLS_CERT ({options.TlsCertificatePath}, {withKey.Subject}) is not issued by the cluster CA in " +
                        $"CLUSTER_TLS_CA ({options.TlsCaPath}, {authority.Subject})");
                return credentials;
            }
            catch
            {
                withKey.Dispose();
                throw;
            }
        }
        catch
        {
            authority.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="remote"/> chains to the cluster CA and to nothing else: the CA is the only trust anchor
    /// (the machine's root store plays no part, nor does any download), and the chain must end at exactly it.
    /// Host names are not checked: peers are reached by IP from the membership table, and holding a certificate of
    /// the cluster CA is what makes a process a member.
    /// </summary>
    public bool Trusts(X509Certificate2 remote, DateTimeOffset? at = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (at is { } time) chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        try
        {
            return chain.Build(remote)
                   && chain.ChainElements.Count == 2
                   && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The certificate with its key (ECDSA, as <c>cluster issue</c> makes, or RSA for a CA of one's own).</summary>
    private static X509Certificate2 AttachKey(X509Certificate2 leaf, string keyPem, ClusteringOptions options)
    {
        AsymmetricAlgorithm key = leaf.GetKeyAlgorithm() == "1.2.840.113549.1.1.1" ? RSA.Create() : ECDsa.Create();
        using (key)
        {
            try
            {
                key.ImportFromPem(keyPem);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new ConfigurationException(
                    $"CLUSTER_TLS_KEY ({options.TlsKeyPath}) is not a PEM private key of the kind CLUSTER_TLS_CERT holds ({(key is RSA ? "RSA" : "ECDSA")}): {e.Message}");
            }
            try
            {
                return key is RSA rsa ? leaf.CopyWithPrivateKey(rsa) : leaf.CopyWithPrivateKey((ECDsa)key);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new ConfigurationException(
                    $"CLUSTER_TLS_KEY ({options.TlsKeyPath}) is not the key of CLUSTER_TLS_CERT ({options.TlsCertificatePath})");
            }
        }
    }

    private static void CheckValidity(string key, string path, X509Certificate2 certificate, DateTimeOffset now)
    {
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
            throw new ConfigurationException($"{key} ({path}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
            throw new ConfigurationException($"{key} ({path}) is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
    }

    private static X509Certificate2 ReadCertificate(string key, string path)
    {
        var pem = ReadText(key, path);
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{key} ({path}) is not a PEM certificate: {e.Message}");
        }
    }

    private static string ReadText(string key, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException($"{key} cannot be read: {e.Message}");
        }
    }

    public void Dispose()
    {
        Authority.Dispose();
        Certificate.Dispose();
    }
}
