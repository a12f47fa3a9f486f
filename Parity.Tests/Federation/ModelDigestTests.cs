using System.Security.Cryptography;
using Parity.Federation;

namespace Parity.Tests.Federation;

/// <summary>A global model's SHA-256 depends on its bits only: not on key order, but on every bit of every value.</summary>
public sealed class ModelDigestTests
{
    private static Dictionary<string, float[]> Model() => new()
    {
        ["layer_0_weights"] = [0.25f, -1.5f, 3.75f, 1e-30f],
        ["layer_0_bias"] = [0f, 0.125f],
        ["output_weights"] = [2f, -2f],
    };

    [Fact]
    public void Equal_models_built_in_different_orders_have_one_digest()
    {
        var model = Model();
        var other = new Dictionary<string, float[]>
        {
            ["output_weights"] = [2f, -2f],
            ["layer_0_bias"] = [0f, 0.125f],
            ["layer_0_weights"] = [0.25f, -1.5f, 3.75f, 1e-30f],
        };
        Assert.Equal(ModelDigest.Of(model), ModelDigest.Of(other));
    }

    [Fact]
    public void The_digest_is_the_sha256_of_the_encoding_in_lower_hex()
    {
        var digest = ModelDigest.Of(Model());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(WeightsCodec.Encode(Model()))), digest);
        Assert.Matches("^[0-9a-f]{64}$", digest);
    }

    [Fact]
    public void One_flipped_bit_of_any_value_changes_the_digest()
    {
        var original = ModelDigest.Of(Model());
        var seen = new HashSet<string> { original };
        foreach (var key in Model().Keys)
            for (var i = 0; i < Model()[key].Length; i++)
                foreach (var bit in (int[])[0, 22, 31])
                {
                    var changed = Model();
                    changed[key][i] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(changed[key][i]) ^ (1 << bit));
                    Assert.True(seen.Add(ModelDigest.Of(changed)), $"{key}[{i}] bit {bit}");
                }
    }

    [Fact]
    public void Negative_zero_is_not_zero()
    {
        var zero = new Dictionary<string, float[]> { ["b"] = [0f] };
        var negative = new Dictionary<string, float[]> { ["b"] = [-0f] };
        Assert.NotEqual(ModelDigest.Of(zero), ModelDigest.Of(negative));
    }

    [Fact]
    public void Moving_a_value_between_keys_changes_the_digest()
    {
        var a = new Dictionary<string, float[]> { ["a"] = [1f, 2f], ["b"] = [3f] };
        var b = new Dictionary<string, float[]> { ["a"] = [1f], ["b"] = [2f, 3f] };
        Assert.NotEqual(ModelDigest.Of(a), ModelDigest.Of(b));
    }

    [Fact]
    public void A_forest_digest_is_over_its_bytes()
    {
        byte[] bytes = [1, 2, 3];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), ModelDigest.Of(bytes));
        Assert.NotEqual(ModelDigest.Of(bytes), ModelDigest.Of([1, 2, 4]));
    }
}
