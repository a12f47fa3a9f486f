using System.Buffers.Binary;
using Parity.Federation;

namespace Parity.Tests.Federation;

/// <summary>The exact byte form of named float arrays that a session persists and hashes.</summary>
public sealed class WeightsCodecTests
{
    private static readonly float NaNWithPayload = BitConverter.Int32BitsToSingle(0x7FC1_2345);
    private static readonly float NegativeNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFA0_0001));

    private static Dictionary<string, float[]> Awkward() => new()
    {
        ["layer_0_weights"] = [-0.0f, 0.0f, float.Epsilon, -float.Epsilon, 1.17549421e-38f, float.MaxValue, float.MinValue],
        ["layer_0_bias"] = [NaNWithPayload, NegativeNaN, float.PositiveInfinity, float.NegativeInfinity, 0.1f],
        ["empty"] = [],
        ["größe"] = [1f],
    };

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void A_round_trip_keeps_every_bit()
    {
        var weights = Awkward();
        var decoded = WeightsCodec.Decode(WeightsCodec.Encode(weights));

        Assert.Equal(weights.Keys.Order(StringComparer.Ordinal), decoded.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, values) in weights) Assert.Equal(Bits(values), Bits(decoded[key]));
    }

    [Fact]
    public void The_layout_is_name_nul_count_and_little_endian_floats()
    {
        var bytes = WeightsCodec.Encode(new Dictionary<string, float[]> { ["b"] = [1f], ["a"] = [-0.0f, 2f] });

        byte[] expected =
        [
            (byte)'a', 0, 2, 0, 0, 0, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x40,
            (byte)'b', 0, 1, 0, 0, 0, 0x00, 0x00, 0x80, 0x3F,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Key_order_does_not_change_the_encoding()
    {
        var weights = Awkward();
        var reversed = new Dictionary<string, float[]>();
        foreach (var key in weights.Keys.Reverse()) reversed[key] = weights[key];
        Assert.NotEqual(weights.Keys.First(), reversed.Keys.First());

        Assert.Equal(WeightsCodec.Encode(weights), WeightsCodec.Encode(reversed));
    }

    [Fact]
    public void Nothing_encodes_to_nothing() =>
        Assert.Empty(WeightsCodec.Decode(WeightsCodec.Encode(new Dictionary<string, float[]>())));

    [Fact]
    public void A_cut_off_encoding_throws_at_every_length()
    {
        var bytes = WeightsCodec.Encode(Awkward());
        var cuts = 0;
        for (var length = 1; length < bytes.Length; length++)
        {
            // A cut that falls exactly between two entries is itself a valid, shorter encoding.
            if (IsEntryBoundary(bytes, length)) continue;
            Assert.Throws<FormatException>(() => WeightsCodec.Decode(bytes.AsSpan(0, length)));
            cuts++;
        }
        Assert.True(cuts > bytes.Length / 2);
    }

    [Fact]
    public void A_count_beyond_the_data_throws()
    {
        var bytes = WeightsCodec.Encode(new Dictionary<string, float[]> { ["w"] = [1f, 2f] });
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), 3);
        Assert.Throws<FormatException>(() => WeightsCodec.Decode(bytes));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), -1);
        Assert.Throws<FormatException>(() => WeightsCodec.Decode(bytes));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), int.MaxValue);
        Assert.Throws<FormatException>(() => WeightsCodec.Decode(bytes));
    }

    [Fact]
    public void A_key_holding_a_nul_character_cannot_be_encoded()
    {
        // Otherwise {"a\0…": …} and {"a": …} could share an encoding, and so a digest.
        var weights = new Dictionary<string, float[]> { ["a\0b"] = [1f] };
        var error = Assert.Throws<ArgumentException>(() => WeightsCodec.Encode(weights));
        Assert.Contains("NUL", error.Message);
    }

    [Fact]
    public void A_key_encoded_twice_throws()
    {
        var one = WeightsCodec.Encode(new Dictionary<string, float[]> { ["w"] = [1f] });
        var two = WeightsCodec.Encode(new Dictionary<string, float[]> { ["w"] = [2f] });
        var error = Assert.Throws<FormatException>(() => WeightsCodec.Decode([.. one, .. two]));
        Assert.Contains("w", error.Message);
    }

    [Fact]
    public void A_key_without_its_terminator_throws() =>
        Assert.Throws<FormatException>(() => WeightsCodec.Decode("layer_0_weights"u8));

    private static bool IsEntryBoundary(byte[] bytes, int length)
    {
        var position = 0;
        while (position < length)
        {
            var end = Array.IndexOf(bytes, (byte)0, position);
            position = end + 5 + 4 * BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(end + 1));
        }
        return position == length;
    }
}
