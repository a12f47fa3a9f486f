namespace Parity.Gateway.Storage;

/// <summary>
/// The request body of an upload. A read that fails (the body ends before its multipart boundary, the client goes away)
/// is the caller's fault, not the store's: it surfaces as <see cref="InvalidDataException"/>, answered 400, while an
/// <see cref="IOException"/> from writing the blockstore stays a server error.
/// </summary>
internal sealed class UploadBodyStream(Stream body) : Stream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await body.ReadAsync(buffer, cancellationToken);
        }
        // Kestrel's other verdicts keep their own status: too slow (408, answered by the gateway's error handler), too large (413).
        catch (IOException e) when (e is not BadHttpRequestException { StatusCode: not StatusCodes.Status400BadRequest })
        {
            throw new InvalidDataException($"the body could not be read to its end: {e.Message.TrimEnd(' ', '.')}", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    // Kestrel forbids synchronous reads of a request body; nothing here makes one.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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
