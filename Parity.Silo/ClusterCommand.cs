using System.CommandLine;
using System.Net;
using System.Security.Cryptography;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner cluster init-ca|issue</c>: the certificates of the cluster transport's mutual TLS. One CA per
/// cluster (its key stays with the operator); one leaf per silo or gateway, copied to that machine with ca.crt.
/// </summary>
public static class ClusterCommand
{
    public static Command Create()
    {
        var caOut = new Option<DirectoryInfo>("--out") { Description = "the directory to write ca.crt and ca.key (mode 0600) to", Required = true };
        var caName = new Option<string>("--name") { Description = "the CA's common name", DefaultValueFactory = _ => "Parity cluster CA" };
        var caDays = new Option<int>("--days") { Description = "how long the CA is valid, in days", DefaultValueFactory = _ => 3650 };
        var initCa = new Command("init-ca", "Create the cluster CA (refuses to overwrite an existing one)") { caOut, caName, caDays };
        initCa.SetAction(parse => InitCa(parse.GetValue(caOut)!, parse.GetValue(caName)!, parse.GetValue(caDays)));

        var name = new Argument<string>("name") { Description = "the silo or gateway it is for (its SILO_NAME, say); the file names and a DNS name" };
        var ca = new Option<DirectoryInfo>("--ca") { Description = "the directory init-ca wrote (ca.crt and ca.key)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "the directory to write NAME.crt and NAME.key (mode 0600) to", Required = true };
        var ips = new Option<string[]>("--ip") { Description = "an IP address the machine is reached on (repeatable)" };
        var dns = new Option<string[]>("--dns") { Description = "another DNS name of the machine (repeatable)" };
        var days = new Option<int>("--days") { Description = "how long the certificate is valid, in days (at most as long as the CA)", DefaultValueFactory = _ => 825 };
        var issue = new Command("issue", "Issue a silo's or gateway's certificate (server and client authentication) from the cluster CA")
        {
            name, ca, output, ips, dns, days,
        };
        issue.SetAction(parse => Issue(parse.GetValue(name)!, parse.GetValue(ca)!, parse.GetValue(output)!,
            parse.GetValue(ips) ?? [], parse.GetValue(dns) ?? [], parse.GetValue(days)));

        return new Command("cluster", "Certificates for the mutual TLS between silos and gateways (CLUSTER_TLS_*)") { initCa, issue };
    }

    public static int InitCa(DirectoryInfo output, string commonName, int days)
    {
        if (days < 1) return Fail("init-ca", $"--days must be at least 1, got {days}");
        try
        {
            var (certificate, key) = ClusterCertificateIssuer.CreateAuthority(output.FullName, commonName, TimeSpan.FromDays(days));
            Console.WriteLine($"cluster CA: {certificate}");
            Console.WriteLine($"       key: {key} (keep it off the silos; it only issues certificates)");
            Console.WriteLine($"next, per silo or gateway: parity-runner cluster issue NAME --ca {output.FullName} --out DIR");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return Fail("init-ca", e.Message);
        }
    }

    public static int Issue(string name, DirectoryInfo authority, DirectoryInfo output, string[] ips, string[] dnsNames, int days)
    {
        if (days < 1) return Fail("issue", $"--days must be at least 1, got {days}");
        var addresses = new List<IPAddress>();
        foreach (var ip in ips)
        {
            if (!IPAddress.TryParse(ip, out var address)) return Fail("issue", $"--ip must be an IP address, got '{ip}'");
            addresses.Add(address);
        }
        if (dnsNames.FirstOrDefault(d => Uri.CheckHostName(d) != UriHostNameType.Dns) is { } bad)
            return Fail("issue", $"--dns must be a DNS name, got '{bad}'");
        try
        {
            var (certificate, key) = ClusterCertificateIssuer.Issue(name, authority.FullName, output.FullName, dnsNames, addresses,
                TimeSpan.FromDays(days));
            Console.WriteLine($"certificate: {certificate}");
            Console.WriteLine($"        key: {key}");
            Console.WriteLine($"on that machine: CLUSTER_TLS_CA=<path of {ClusterCertificateIssuer.AuthorityCertificateFile}> " +
                              $"CLUSTER_TLS_CERT={certificate} CLUSTER_TLS_KEY={key}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return Fail("issue", e.Message);
        }
    }

    private static int Fail(string command, string message)
    {
        Console.Error.WriteLine($"cluster {command}: {message}");
        return 2;
    }
}
