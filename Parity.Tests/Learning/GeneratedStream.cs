using System.Text;

namespace Parity.Tests.Learning;

/// <summary>
/// <paramref name="head"/>, then <paramref name="count"/> copies of <paramref name="fill"/> (long.MaxValue: without
/// end), then <paramref name="tail"/>, generated as read, so a 40 MB token or an endless line costs no array of its
/// size; <see cref="Served"/> counts what a reader took, to show it stopped at a bound.
/// </summary>
public sealed class GeneratedStream(string head, byte fill, long count, string tail) : Stream
{
    private readonly byte[] _head = Encoding.UTF8.GetBytes(head);
    private readonly byte[] _tail = Encoding.UTF8.GetBytes(tail);

    public long Served { get; private set; }

    private long Total => count > long.MaxValue - _head.Length - _tail.Length ? long.MaxValue : _head.Length + count + _tail.Length;

    public override int Read(byte[] buffer, int offset, int length)
    {
        var n = (int)Math.Min(length, Total - Served);
        for (var i = 0; i < n; i++)
        {
            var at = Served + i;
            buffer[offset + i] = at < _head.Length ? _head[at]
                : at - _head.Length < count ? fill
                : _tail[at - _head.Length - count];
        }
        Served += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
