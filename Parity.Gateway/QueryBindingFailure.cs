using System.Text.RegularExpressions;

namespace Parity.Gateway;

/// <summary>
/// Rewrites ASP.NET's message for a route or query value that did not parse (<c>Failed to bind parameter "int? limit"
/// from "abc".</c>) in the words the gateway's own checks use (<c>limit must be an integer, got 'abc'</c>), so that
/// every 400 names the field the same way. A message of any other shape is kept as it is.
/// </summary>
public static partial class QueryBindingFailure
{
    public static string Describe(string message)
    {
        var match = BindFailure().Match(message);
        if (!match.Success) return message;
        var (type, name, value) = (match.Groups["type"].Value, match.Groups["name"].Value, match.Groups["value"].Value);
        // The gateway binds only optional integers from the query (offset, limit, wait), which ASP.NET spells
        // "Nullable<int>"; a value of any other type gets the plain wording rather than a guess at its spelling.
        return type is "Nullable<int>" or "int"
            ? $"{name} must be an integer, got '{value}'"
            : $"{name} could not be read from '{value}'";
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[A-Za-z_][A-Za-z0-9_]*)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
