using System.Net;
using Parity.Silo;

namespace Parity.Tests.Support;

/// <summary>A cluster CA in a temporary directory and the leaf certificates it issues, made by the code behind
/// <c>parity-runner cluster init-ca|issue</c>.</summary>
public sealed class ClusterPki : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parity-pki-").FullName;

    public ClusterPki(string caName = "Parity test CA") =>
        (CaCertificate, _) = ClusterCertificateIssuer.CreateAuthority(AuthorityDirectory, caName, TimeSpan.FromDays(30));

    public string AuthorityDirectory => Path.Combine(_root, "ca");
    public string CaCertificate { get; }

    public (string Certificate, string Key) Issue(string name, TimeSpan? lifetime = null) =>
        ClusterCertificateIssuer.Issue(name, AuthorityDirectory, Path.Combine(_root, "leaves"), [], [IPAddress.Loopback],
            lifetime ?? TimeSpan.FromDays(7));

    /// <summary>CLUSTER_TLS_* for a process known as <paramref name="name"/>, with a certificate issued for it.</summary>
    public Dictionary<string, string> Environment(string name)
    {
        var (certificate, key) = Issue(name);
        return new()
        {
            ["CLUSTER_TLS_CA"] = CaCertificate,
            ["CLUSTER_TLS_CERT"] = certificate,
            ["CLUSTER_TLS_KEY"] = key,
        };
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
