namespace Parity.Llm.Embedded;

/// <summary>A model file's version: a file replaced in place gets a new size or modification time.</summary>
internal readonly record struct FileStamp(long Length, DateTime Modified);
