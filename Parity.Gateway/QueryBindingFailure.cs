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
        var kind = type.TrimEnd('?') switch
        {
            "int" or "long" or "Int32" or "Int64" or "Nullable<int>" or "Nullable<long>" => "an integer",
            "double" or "float" or "decimal" => "a number",
            "bool" => "true or false",
            _ => null,
        };
        return kind is null ? $"{name} could not be read from '{value}'" : $"{name} must be {kind}, got '{value}'";
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[A-Za-z_][A-Za-z0-9_]*)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
