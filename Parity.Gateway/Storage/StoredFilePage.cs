namespace Parity.Gateway.Storage;

/// <summary>A page of the storage's list, newest first; <c>next</c> is the cursor of the page after it (null: no more).</summary>
public sealed record StoredFilePage(IReadOnlyList<StoredFile> Files, int Limit, string? Next);
