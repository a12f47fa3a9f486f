namespace Parity.Learning.Data;

/// <summary>
/// A read-only stream that passes <paramref name="inner"/> through and throws a <see cref="DatasetException"/> as soon as
/// one line runs past <paramref name="maxLineBytes"/> bytes, so a hostile line is refused after reading about that
/// much of it, never buffered whole by the parser.
/// </summary>
internal sealed class LineLengthLimitStream(Stream inner, int maxLineBytes) : Stream
{
    private long _line = 1;
    private long _lineBytes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        var rest = buffer[..read];
        while (true)
        {
            var newline = rest.IndexOf((byte)'\n');
            var length = newline < 0 ? rest.Length : newline;
            _lineBytes += length;
            if (_lineBytes > maxLineBytes)
                throw new DatasetException(
                    $"line {_line} is longer than {maxLineBytes} bytes, the most a CSV line may have", _line);
            if (newline < 0) return read;
            _line++;
            _lineBytes = 0;
            rest = rest[(newline + 1)..];
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
