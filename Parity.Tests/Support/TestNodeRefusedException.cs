namespace Parity.Tests.Support;

/// <summary>The test IPFS node refused a request (Kubo-style error JSON, or a gateway error status).</summary>
public sealed class TestNodeRefusedException(string message, int status = 0) : HttpRequestException(message)
{
    public int Status { get; } = status;
}
