using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

public sealed class SecAggKeysTests
{
    [Fact]
    public void Both_ends_of_a_pair_derive_the_same_key_and_every_binding_changes_it()
    {
        using var a = SecAggKeys.NewKeyPair();
        using var b = SecAggKeys.NewKeyPair();
        using var c = SecAggKeys.NewKeyPair();
        var parameters = SecAggRound.Make(5, 3, 10, session: "s", round: 2);
        var ab = SecAggKeys.Agree(a, b, SecAggKeys.MaskPurpose, parameters, 1, 4);
        Assert.Equal(32, ab.Length);
        Assert.Equal(ab, SecAggKeys.Agree(b, a, SecAggKeys.MaskPurpose, parameters, 4, 1));
        byte[][] others =
        [
            SecAggKeys.Agree(a, b, SecAggKeys.ShareEncryptionPurpose, parameters, 1, 4),
            SecAggKeys.Agree(a, b, SecAggKeys.MaskPurpose, SecAggRound.Make(5, 3, 10, session: "s", round: 3), 1, 4),
            SecAggKeys.Agree(a, b, SecAggKeys.MaskPurpose, SecAggRound.Make(5, 3, 10, session: "t", round: 2), 1, 4),
            SecAggKeys.Agree(a, b, SecAggKeys.MaskPurpose, parameters, 1, 3),
            SecAggKeys.Agree(a, c, SecAggKeys.MaskPurpose, parameters, 1, 4),
        ];
        Assert.All(others, other => Assert.NotEqual(ab, other));
    }

    [Fact]
    public void Contexts_are_length_prefixed_so_shifting_bytes_between_fields_changes_them()
    {
        var one = SecAggKeys.Context("ab", SecAggRound.Make(3, 2, 1, session: "c"), 1, 2);
        var two = SecAggKeys.Context("a", SecAggRound.Make(3, 2, 1, session: "bc"), 1, 2);
        Assert.NotEqual(one, two);
    }

    [Fact]
    public void A_key_on_another_curve_is_refused()
    {
        using var p384 = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var error = Assert.Throws<SecureAggregationException>(() => SecAggKeys.ImportPublicKey(p384.ExportSubjectPublicKeyInfo(), 7, "mask"));
        Assert.Contains("participant 7's mask key is not a P-256 public key", error.Message);
    }
}
