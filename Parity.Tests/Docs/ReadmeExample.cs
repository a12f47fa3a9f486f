namespace Parity.Tests.Docs;

/// <summary>What the README examples test does with one fenced block.</summary>
public enum ReadmeExampleKind
{
    /// <summary>Shell commands run one after another, each to completion.</summary>
    Run,
    /// <summary>Shell commands that start long-running processes (a silo, a gateway): started and left running.</summary>
    Background,
    /// <summary>A file the text tells the reader to save (<c>&lt;!-- readme-test: file NAME --&gt;</c>).</summary>
    File,
    /// <summary>Not run, for the reason the marker gives (<c>&lt;!-- readme-test: skip REASON --&gt;</c>).</summary>
    Skip,
    /// <summary>
    /// Not a block: <c>&lt;!-- readme-test: wait-for URL TEXT --&gt;</c> waits until the URL's body holds the text, for
    /// what the README says happens on its own in a moment (a model file a running silo picks up).
    /// </summary>
    WaitFor,
}

/// <summary>
/// One shell command of a README example, with the HTTP status a comment line under it promises and, for an error, the
/// quoted text the comment says the answer carries (<c># 400, the detail naming the field: "…"</c>).
/// </summary>
public sealed record ReadmeCommand(int Line, string Text, int? ExpectedStatus, string? ExpectedText = null);

/// <summary>
/// One fenced block of the README, as the examples test reads it. <see cref="Argument"/>: a skipped block's reason, or
/// the URL a background block's processes answer on once they are up, or a wait's URL and text.
/// </summary>
public sealed record ReadmeExample(int Line, ReadmeExampleKind Kind, IReadOnlyList<ReadmeCommand> Commands, string? FileName,
    string Content, string? Argument);
