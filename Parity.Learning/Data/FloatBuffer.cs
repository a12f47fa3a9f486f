namespace Parity.Learning.Data;

/// <summary>
/// An append-only float list stored in fixed-size chunks, so that growing it never copies what it already holds and
/// never allocates more than one spare chunk. <see cref="ToArray"/> makes the final contiguous buffer.
/// </summary>
internal sealed class FloatBuffer
{
    // 16K floats = 64 KiB: below the large-object-heap threshold, large enough that chunk overhead is negligible.
    private const int ChunkShift = 14;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<float[]> _chunks = [];
    private float[] _current = [];
    private int _used = ChunkSize;

    public long Count { get; private set; }

    public void Add(float value)
    {
        if (_used == ChunkSize)
        {
            _current = new float[ChunkSize];
            _chunks.Add(_current);
            _used = 0;
        }
        _current[_used++] = value;
        Count++;
    }

    public float this[long index]
    {
        get => _chunks[(int)(index >> ChunkShift)][index & ChunkMask];
        set => _chunks[(int)(index >> ChunkShift)][index & ChunkMask] = value;
    }

    public float[] ToArray()
    {
        if (Count > Array.MaxLength)
            throw new DatasetException($"dataset has {Count} values, more than the {Array.MaxLength} one buffer can hold");
        var result = new float[Count];
        var offset = 0;
        foreach (var chunk in _chunks)
        {
            var length = (int)Math.Min(ChunkSize, Count - offset);
            chunk.AsSpan(0, length).CopyTo(result.AsSpan(offset));
            offset += length;
        }
        return result;
    }
}
