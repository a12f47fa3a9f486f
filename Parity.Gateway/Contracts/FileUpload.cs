using System.ComponentModel;

namespace Parity.Gateway.Contracts;

/// <summary>The multipart form of <c>POST /api/v1/storage/upload</c>: the file in the part named <c>file</c>.</summary>
public sealed record FileUpload
{
    [Description("The file's bytes; other parts are ignored.")]
    public required IFormFile File { get; init; }
}
