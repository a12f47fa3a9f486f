using System.Text.RegularExpressions;
using Parity.Configuration;

namespace Parity.Llm;

/// <summary>
/// The models a runner may pull (RUNNER_MODEL_PULL_ALLOW): comma-separated names or glob patterns such as
/// <c>qwen2.5*</c> or <c>llama3.2:1b</c>, matched case-insensitively against the name a prompt asks for. Empty allows
/// nothing: a runner then serves only the models it already has.
/// </summary>
/// <remarks>
/// <c>*</c> and <c>?</c> never match <c>/</c>: an Ollama name with a slash names another registry or namespace
/// (<c>host/namespace/model</c>), so <c>qwen2.5*</c> must not let <c>qwen2.5.evil.example/x/y</c> through. A name
/// without a tag is also tried as <c>name:latest</c>, which is what Ollama pulls for it.
/// </remarks>
public sealed partial class ModelPullAllowList
{
    public const string Key = "RUNNER_MODEL_PULL_ALLOW";

    private readonly Regex[] _patterns;

    private ModelPullAllowList(IReadOnlyList<string> patterns)
    {
        Patterns = patterns;
        _patterns = patterns.Select(p => new Regex(
            "^" + Regex.Escape(p).Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))).ToArray();
    }

    /// <summary>Allows no pull at all.</summary>
    public static ModelPullAllowList None { get; } = new([]);

    /// <summary>The patterns as the operator wrote them.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Parses the key's value; a pattern with characters no model name has fails, naming the key.</summary>
    public static ModelPullAllowList Parse(string? text)
    {
        var patterns = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pattern in patterns)
            if (!PatternSyntax().IsMatch(pattern))
                throw new ConfigurationException(
                    $"{Key} takes comma-separated model names or patterns of letters, digits, '.', '_', '-', ':', '/', '*' and '?' " +
                    $"(like qwen2.5* or llama3.2:1b), got '{pattern}'");
        return patterns.Length == 0 ? None : new ModelPullAllowList(patterns);
    }

    public bool Allows(string model)
    {
        var latest = model.Contains(':') ? null : model + ":latest";
        return _patterns.Any(p => p.IsMatch(model) || (latest is not null && p.IsMatch(latest)));
    }

    /// <summary>Why a pull of <paramref name="model"/> is refused, naming the key and what it allows.</summary>
    public string Refusal(string model, string runner) => Patterns.Count == 0
        ? $"runner {runner} pulls no models: {Key} is empty, so only the models it already has are served"
        : $"runner {runner} may not pull model '{model}': it is not in {Key} ({string.Join(",", Patterns)})";

    public override string ToString() => string.Join(",", Patterns);

    [GeneratedRegex(@"^[A-Za-z0-9._:/*?-]{1,256}$")]
    private static partial Regex PatternSyntax();
}
