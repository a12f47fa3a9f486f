using System.Text;

namespace Parity.Llm.Embedded;

/// <summary>GGUF metadata value types.</summary>
internal enum GgufType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9,
    UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>
/// What the runner needs from a GGUF file's header, read without loading the weights: the metadata and tensor
/// descriptions are parsed (and checked to lie within the file), the tensor data is not touched.
/// </summary>
public sealed record GgufHeader(uint Version, string? Architecture, int? ContextLength, uint? FileType, long TensorCount)
{
    /// <summary>The quantization named as llama.cpp does (<c>general.file_type</c>): F32, F16, Q4_K_M, ...</summary>
    public string? Quantization => FileType is { } type ? FileTypeName(type) : null;

    /// <summary>Reads and checks the header; <see cref="InvalidDataException"/> says what is wrong with it.</summary>
    public static GgufHeader Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new Reader(stream);
        if (stream.Length < 24 || reader.UInt32() != 0x46554747) // "GGUF"
            throw new InvalidDataException("not a GGUF file (bad magic)");
        var version = reader.UInt32();
        if (version is not (2 or 3))
            throw new InvalidDataException($"GGUF version {version} is not supported (2 and 3 are)");
        var tensorCount = reader.Count(sizeof(ulong) * 3);
        var kvCount = reader.Count(sizeof(ulong));

        string? architecture = null;
        uint? fileType = null;
        var integers = new Dictionary<string, ulong>();
        for (long i = 0; i < kvCount; i++)
        {
            var key = reader.String();
            var type = (GgufType)reader.UInt32();
            switch (key, type)
            {
                case ("general.architecture", GgufType.String):
                    architecture = reader.String();
                    break;
                case (_, GgufType.UInt32 or GgufType.Int32):
                    integers[key] = reader.UInt32();
                    break;
                case (_, GgufType.UInt64 or GgufType.Int64):
                    integers[key] = reader.UInt64();
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }
        if (integers.TryGetValue("general.file_type", out var ft)) fileType = (uint)ft;
        int? context = architecture is not null && integers.TryGetValue(architecture + ".context_length", out var c)
            ? (int)Math.Min(c, int.MaxValue) : null;

        for (long i = 0; i < tensorCount; i++)
        {
            reader.String();
            var dims = reader.UInt32();
            if (dims is 0 or > 4) throw new InvalidDataException($"tensor {i} has {dims} dimensions");
            reader.Bytes(dims * sizeof(ulong) + sizeof(uint) + sizeof(ulong));
        }
        return new GgufHeader(version, architecture, context, fileType, tensorCount);
    }

    /// <summary>llama.cpp's <c>llama_ftype</c> names.</summary>
    public static string FileTypeName(uint fileType) => fileType switch
    {
        0 => "F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 7 => "Q8_0", 8 => "Q5_0", 9 => "Q5_1",
        10 => "Q2_K", 11 => "Q3_K_S", 12 => "Q3_K_M", 13 => "Q3_K_L", 14 => "Q4_K_S", 15 => "Q4_K_M",
        16 => "Q5_K_S", 17 => "Q5_K_M", 18 => "Q6_K", 19 => "IQ2_XXS", 20 => "IQ2_XS", 21 => "Q2_K_S",
        22 => "IQ3_XS", 23 => "IQ3_XXS", 24 => "IQ1_S", 25 => "IQ4_NL", 26 => "IQ3_S", 27 => "IQ3_M",
        28 => "IQ2_S", 29 => "IQ2_M", 30 => "IQ4_XS", 31 => "IQ1_M", 32 => "BF16", 36 => "TQ1_0", 37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => $"file type {fileType}",
    };

    /// <summary>Little-endian reads that never run past the end of the file, whatever lengths the file claims.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8];
        private readonly long _length = stream.Length;

        private long Remaining => _length - stream.Position;

        public uint UInt32() => BitConverter.ToUInt32(Read(4));

        public ulong UInt64() => BitConverter.ToUInt64(Read(8));

        /// <summary>A u64 count whose items take at least <paramref name="minItemSize"/> bytes each.</summary>
        public long Count(int minItemSize)
        {
            var count = UInt64();
            if (count > (ulong)(Remaining / minItemSize))
                throw new InvalidDataException($"count {count} does not fit in the file");
            return (long)count;
        }

        public string String()
        {
            var length = Count(1);
            if (length > 1 << 24) throw new InvalidDataException($"string of {length} bytes");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }

        public void Bytes(long count)
        {
            if (count > Remaining) throw new InvalidDataException("the header runs past the end of the file");
            stream.Seek(count, SeekOrigin.Current);
        }

        public void Skip(GgufType type)
        {
            switch (type)
            {
                case GgufType.String:
                    Bytes(Count(1));
                    break;
                case GgufType.Array:
                    var elementType = (GgufType)UInt32();
                    if (elementType == GgufType.Array) throw new InvalidDataException("nested GGUF arrays are not supported");
                    if (elementType == GgufType.String)
                    {
                        var count = Count(sizeof(ulong));
                        for (long i = 0; i < count; i++) Bytes(Count(1));
                    }
                    else
                    {
                        var size = Size(elementType);
                        Bytes(Count(size) * size);
                    }
                    break;
                default:
                    Bytes(Size(type));
                    break;
            }
        }

        private static int Size(GgufType type) => type switch
        {
            GgufType.UInt8 or GgufType.Int8 or GgufType.Bool => 1,
            GgufType.UInt16 or GgufType.Int16 => 2,
            GgufType.UInt32 or GgufType.Int32 or GgufType.Float32 => 4,
            GgufType.UInt64 or GgufType.Int64 or GgufType.Float64 => 8,
            _ => throw new InvalidDataException($"unknown GGUF value type {(uint)type}"),
        };

        private ReadOnlySpan<byte> Read(int count)
        {
            if (count > Remaining) throw new InvalidDataException("the header runs past the end of the file");
            stream.ReadExactly(_buffer, 0, count);
            return _buffer.AsSpan(0, count);
        }
    }
}
