namespace Parity.Storage;

/// <summary>
/// Recognises the one shape nearly every dag-pb leaf has — PBNode{Data: UnixFS{Type: File, Data: chunk, filesize: n}},
/// fields in that order, minimal varints, no links, nothing else, as Kubo and the importer write it — and finds the
/// chunk inside the block without decoding or copying it. Reading a file otherwise decodes each 256 KiB leaf through
/// the protobuf library, which copies the chunk several times. Anything else (another field, another order, a link)
/// is left to the full decoder, so the two can never disagree: this accepts only blocks whose meaning is unambiguous.
/// </summary>
internal static class UnixFsLeaf
{
    /// <summary>True with the chunk's place in <paramref name="block"/> when the block is exactly such a leaf.</summary>
    public static bool TryFind(ReadOnlySpan<byte> block, out int offset, out int length)
    {
        offset = length = 0;
        var i = 0;
        if (block.Length < 2 || block[i++] != 0x0A) return false; // PBNode.Data, length-delimited
        if (!TryVarint(block, ref i, out var inner) || inner != (ulong)(block.Length - i)) return false;
        if (block.Length - i < 2 || block[i] != 0x08 || block[i + 1] != (byte)UnixFsType.File) return false;
        i += 2;
        ulong n = 0;
        var start = i;
        if (i < block.Length && block[i] == 0x12) // Data
        {
            i++;
            if (!TryVarint(block, ref i, out n) || n > (ulong)(block.Length - i)) return false;
            start = i;
            i += (int)n;
        }
        if (i >= block.Length || block[i++] != 0x18) return false; // filesize
        if (!TryVarint(block, ref i, out var fileSize) || fileSize != n || i != block.Length) return false;
        offset = start;
        length = (int)n;
        return true;
    }

    private static bool TryVarint(ReadOnlySpan<byte> block, ref int at, out ulong value)
    {
        value = 0;
        for (var k = 0; k < 5 && at + k < block.Length; k++) // a block is under 2^35 bytes: five varint bytes at most
        {
            var b = block[at + k];
            value |= (ulong)(b & 0x7F) << (7 * k);
            if ((b & 0x80) != 0) continue;
            if (b == 0 && k > 0) return false; // not minimal: left to the full decoder
            at += k + 1;
            return true;
        }
        return false;
    }
}
