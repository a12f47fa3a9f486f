namespace Parity.Storage;

/// <summary>
/// The multiformats unsigned varint (LEB128, at most 9 bytes, minimal encoding). Non-minimal encodings are refused
/// because two spellings of one number would give two byte strings, and so two hashes, for one CID.
/// </summary>
public static class Varint
{
    public const int MaxLength = 9;

    public static int Length(ulong value)
    {
        var n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    public static int Write(ulong value, Span<byte> destination)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads one varint at the start of <paramref name="source"/>; <paramref name="what"/> names it in errors.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, out int consumed, string what = "varint")
    {
        ulong value = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
                throw new CidFormatException($"{what} is cut off after {i} byte(s)");
            var b = source[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                    throw new CidFormatException($"{what} is not minimally encoded");
                consumed = i + 1;
                return value;
            }
        }
        throw new CidFormatException($"{what} is longer than {MaxLength} bytes");
    }
}
