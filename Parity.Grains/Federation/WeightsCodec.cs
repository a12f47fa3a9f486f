using System.Buffers.Binary;
using System.Text;
using Parity.Json;

namespace Parity.Federation;

/// <summary>
/// Named float arrays as bytes, exactly: each key in ordinal order as its UTF-8 name, a 0 byte, its value count (int32
/// LE) and its values (float32 LE). The session persists its global model and strategy state this way, so a resumed
/// session continues from the very same bits (a text round trip could differ in the last bit), and the model's
/// SHA-256 is taken over these bytes.
/// </summary>
public static class WeightsCodec
{
    public static byte[] Encode(IReadOnlyDictionary<string, float[]> weights)
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        foreach (var key in weights.Keys.Order(StringComparer.Ordinal))
        {
            // The 0 byte ends a name: a name holding one would make two different models encode (and hash) alike.
            if (key.Contains('\0')) throw new ArgumentException($"weights key {JsonFields.Excerpt(key)} holds a NUL character", nameof(weights));
            stream.Write(Encoding.UTF8.GetBytes(key));
            stream.WriteByte(0);
            var values = weights[key];
            BinaryPrimitives.WriteInt32LittleEndian(word, values.Length);
            stream.Write(word);
            foreach (var value in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, value);
                stream.Write(word);
            }
        }
        return stream.ToArray();
    }

    /// <exception cref="FormatException">The bytes are not an encoding of named arrays.</exception>
    public static Dictionary<string, float[]> Decode(ReadOnlySpan<byte> bytes)
    {
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)0);
            if (end < 0 || bytes.Length < end + 5) throw new FormatException("cut-off weights encoding");
            var key = Encoding.UTF8.GetString(bytes[..end]);
            var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[(end + 1)..]);
            bytes = bytes[(end + 5)..];
            if (count < 0 || (long)count * 4 > bytes.Length) throw new FormatException($"weights encoding: {key} claims {count} values");
            var values = new float[count];
            for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            bytes = bytes[(4 * count)..];
            // Encode writes each name once; a repeated one would otherwise silently replace the first's values.
            if (!weights.TryAdd(key, values)) throw new FormatException($"weights encoding: {JsonFields.Excerpt(key)} appears twice");
        }
        return weights;
    }
}
