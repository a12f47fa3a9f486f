namespace Parity.Gateway.WebConsole;

/// <summary>One static file of the console: its bytes, media type and entity tag.</summary>
internal sealed record ConsoleFile(byte[] Bytes, string ContentType, string ETag);
