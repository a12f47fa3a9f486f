using System.Net;
using Parity.Execution.Docker;

namespace Parity.Tests.Execution.Docker;

public class FetchAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "shared (CGNAT)")]
    [InlineData("100.127.255.254", "shared (CGNAT)")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("198.18.0.1", "reserved")]
    [InlineData("8.8.8.8", null)]
    [InlineData("1.1.1.1", null)]
    [InlineData("172.15.255.255", null)]
    [InlineData("172.32.0.0", null)]
    [InlineData("100.63.255.255", null)]
    [InlineData("100.128.0.0", null)]
    [InlineData("192.169.0.1", null)]
    [InlineData("169.253.255.255", null)]
    public void IPv4_addresses_are_classified(string address, string? forbidden) =>
        Assert.Equal(forbidden, FetchAddressPolicy.ForbiddenClass(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fe80::1%2", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::a00:1", "reserved")] // IPv4-compatible ::10.0.0.1
    [InlineData("64:ff9b:1::1", "private")]
    // IPv6 forms of forbidden IPv4 addresses: what they reach decides.
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:0.0.0.0", "unspecified")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")] // NAT64 of 169.254.169.254
    [InlineData("2002:a00:1::1", "private")] // 6to4 of 10.0.0.1
    [InlineData("2002:7f00:1::1", "loopback")] // 6to4 of 127.0.0.1
    [InlineData("2606:4700:4700::1111", null)]
    [InlineData("2001:db8::1", null)]
    [InlineData("::ffff:8.8.8.8", null)]
    [InlineData("64:ff9b::808:808", null)]
    [InlineData("2002:808:808::1", null)]
    public void IPv6_addresses_are_classified(string address, string? forbidden) =>
        Assert.Equal(forbidden, FetchAddressPolicy.ForbiddenClass(IPAddress.Parse(address)));

    [Fact]
    public void The_allow_list_lets_listed_networks_through_and_nothing_else()
    {
        var policy = FetchAddressPolicy.Parse(" 127.0.0.1/32 , 10.20.0.0/16,fd00::/8,192.168.7.7");

        Assert.Null(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("10.20.3.4")));
        Assert.Null(policy.Refusal(IPAddress.Parse("fd00::5")));
        Assert.Null(policy.Refusal(IPAddress.Parse("192.168.7.7")));
        Assert.Null(policy.Refusal(IPAddress.Parse("8.8.8.8")));
        Assert.Equal("loopback", policy.Refusal(IPAddress.Parse("127.0.0.2")));
        Assert.Equal("loopback", policy.Refusal(IPAddress.Parse("::1")));
        Assert.Equal("private", policy.Refusal(IPAddress.Parse("10.21.0.1")));
        Assert.Equal("private", policy.Refusal(IPAddress.Parse("192.168.7.8")));
        Assert.Equal("link-local", policy.Refusal(IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public void The_default_policy_refuses_every_forbidden_class()
    {
        Assert.Empty(FetchAddressPolicy.Parse("").Allow);
        Assert.Equal("link-local", FetchAddressPolicy.Default.Refusal(IPAddress.Parse("169.254.169.254")));
        Assert.Null(FetchAddressPolicy.Default.Refusal(IPAddress.Parse("93.184.215.14")));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("example.org")]
    [InlineData("10.0.0.0/8;127.0.0.1/32")]
    public void A_bad_allow_list_is_refused_naming_the_key(string text)
    {
        var error = Assert.Throws<FormatException>(() => FetchAddressPolicy.Parse(text));
        Assert.StartsWith("RUNNER_DOCKER_FETCH_ALLOW must be comma-separated CIDRs", error.Message);
    }
}
