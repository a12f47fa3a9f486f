using System.Security.Cryptography;
using System.Text;
using Parity.Gateway.Security;

namespace Parity.Tests.Gateway;

public sealed class WebhookSignatureTests
{
    private const string Secret = "a-shared-secret-for-tests";
    private static readonly byte[] Body = """{"type":"available_tasks","payload":{}}"""u8.ToArray();
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static string Independent(string secret, long t, byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{t}.").Concat(body).ToArray()));

    [Fact]
    public void Sign_matches_an_independent_hmac_of_timestamp_dot_body()
    {
        var header = WebhookSignature.Sign(Secret, Now.ToUnixTimeSeconds(), Body);
        Assert.Equal($"t={Now.ToUnixTimeSeconds()},v1={Independent(Secret, Now.ToUnixTimeSeconds(), Body)}", header);
        Assert.True(WebhookSignature.Verify(Secret, header, Body, Now).Valid);
    }

    [Fact]
    public void Any_of_several_v1_values_may_match_during_secret_rotation()
    {
        var t = Now.ToUnixTimeSeconds();
        var header = $"t={t},v1={Independent("old-secret-0123456789", t, Body)},v1={Independent(Secret, t, Body)}";
        Assert.True(WebhookSignature.Verify(Secret, header, Body, Now).Valid);
    }

    [Fact]
    public void Blanks_around_the_parts_and_unknown_keys_are_tolerated()
    {
        var t = Now.ToUnixTimeSeconds();
        var header = $" t={t} ,  v0=whatever, v1={Independent("old-secret-0123456789", t, Body)},,  v1={Independent(Secret, t, Body)} ";
        var check = WebhookSignature.Verify(Secret, header, Body, Now);
        Assert.True(check.Valid, check.Problem);
        // The replay key names the candidate that matched, not the first one.
        Assert.Equal($"{t}:{Independent(Secret, t, Body)}", check.Signature);
    }

    [Theory]
    [InlineData(300, true)]
    [InlineData(-300, true)]
    [InlineData(301, false)]
    [InlineData(-301, false)]
    public void The_timestamp_must_be_within_five_minutes(int skew, bool valid)
    {
        var header = WebhookSignature.Sign(Secret, Now.ToUnixTimeSeconds() + skew, Body);
        Assert.Equal(valid, WebhookSignature.Verify(Secret, header, Body, Now).Valid);
    }

    private const string Hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(null, "missing X-Parity-Signature header")]
    [InlineData("", "missing X-Parity-Signature header")]
    [InlineData("v1=abc", "v1 must be 64 hex characters")]
    [InlineData("t=1800000000", "v1 is missing")]
    [InlineData("t=soon,v1=00", "t must be unix seconds")]
    [InlineData("garbage", "'garbage' is not key=value")]
    [InlineData("t=1800000000,=x,v1=" + Hex64, "'=x' is not key=value")]
    [InlineData("v1=" + Hex64, "t is missing")]
    public void Malformed_headers_are_explained(string? header, string expected)
    {
        var check = WebhookSignature.Verify(Secret, header, Body, Now);
        Assert.False(check.Valid);
        Assert.Contains(expected, check.Problem);
    }

    [Fact]
    public void A_changed_body_or_secret_does_not_verify()
    {
        var header = WebhookSignature.Sign(Secret, Now.ToUnixTimeSeconds(), Body);
        Assert.Equal("signature does not match the body",
            WebhookSignature.Verify(Secret, header, [.. Body, (byte)' '], Now).Problem);
        Assert.False(WebhookSignature.Verify("another-secret-0123", header, Body, Now).Valid);
    }

    [Fact]
    public void The_replay_guard_accepts_a_signature_once()
    {
        using var guard = new ReplayGuard(TimeProvider.System);
        Assert.True(guard.FirstSeen("1:abc"));
        Assert.False(guard.FirstSeen("1:abc"));
        Assert.True(guard.FirstSeen("1:abd"));
    }

    /// <summary>
    /// A signature verifies from Tolerance before its timestamp to Tolerance after it: the guard must refuse its replay
    /// over that whole span (remembering it for less would let a captured request through), and may forget it after.
    /// </summary>
    [Fact]
    public void The_replay_guard_remembers_a_signature_for_as_long_as_it_verifies()
    {
        var clock = new ManualClock(Now);
        using var guard = new ReplayGuard(clock);
        // Stamped Tolerance ahead of the receiver's clock: it verifies from now until 2 × Tolerance from now.
        var header = WebhookSignature.Sign(Secret, (Now + WebhookSignature.Tolerance).ToUnixTimeSeconds(), Body);
        Assert.True(WebhookSignature.Verify(Secret, header, Body, clock.GetUtcNow()).Valid);
        Assert.True(guard.FirstSeen(header));
        // Replayed a second before it stops verifying: the signature check alone would let it through; the guard must not.
        clock.Now = Now + WebhookSignature.Tolerance * 2 - TimeSpan.FromSeconds(1);
        Assert.True(WebhookSignature.Verify(Secret, header, Body, clock.GetUtcNow()).Valid);
        Assert.False(guard.FirstSeen(header));
        // Past the span the signature no longer verifies, so the guard lets its memory go.
        clock.Now = Now + ReplayGuard.Memory + TimeSpan.FromSeconds(1);
        Assert.False(WebhookSignature.Verify(Secret, header, Body, clock.GetUtcNow()).Valid);
        Assert.True(guard.FirstSeen(header));
    }

    [Fact]
    public void The_replay_guard_holds_at_most_its_capacity()
    {
        using var guard = new ReplayGuard(TimeProvider.System, capacity: 10);
        for (var i = 0; i < 50; i++) guard.FirstSeen($"{i}:sig");
        Assert.InRange(guard.Count, 1, 10);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
