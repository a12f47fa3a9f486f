using System.Text.Json;
using Parity.Learning.Models;
using Parity.Tasks;

namespace Parity.Json;

/// <summary>
/// Refuses the fields of a JSON object from one of Parity's own endpoints that the endpoint does not take: a field that
/// were ignored would leave its sender believing it took effect (Ollama's <c>options.max_tokens</c> sent to the prompt
/// route gave ten times the tokens asked for). Bodies shaped by the upstream server (webhook pushes) are not checked
/// here: they carry fields of the upstream's own that Parity has no use for.
/// </summary>
public static class KnownFields
{
    /// <summary>
    /// Throws a <see cref="TaskConfigException"/> for the first field of <paramref name="obj"/> that is in
    /// <paramref name="serverOwned"/> (named as set by the server, with the reason given there) or not in
    /// <paramref name="valid"/> (named with the nearest valid one when it looks like a slip, and the valid ones listed).
    /// Field paths in messages are <paramref name="prefix"/> + name, e.g. <c>task.config.</c> + <c>foo</c>.
    /// </summary>
    public static void Check(JsonElement obj, string prefix, IReadOnlyCollection<string> valid,
        IReadOnlyDictionary<string, string>? serverOwned = null)
    {
        if (obj.ValueKind != JsonValueKind.Object) return;
        foreach (var property in obj.EnumerateObject())
        {
            if (valid.Contains(property.Name)) continue;
            var name = Printable(property.Name);
            if (serverOwned is not null && serverOwned.TryGetValue(property.Name, out var why))
                throw new TaskConfigException($"{prefix}{name} is set by the server{why}; leave it out");
            var hint = ConfigKeys.Nearest(property.Name, valid) is { } nearest ? $" (did you mean {nearest}?)" : "";
            throw new TaskConfigException($"{prefix}{name} is not a known field{hint}; the valid fields are {string.Join(", ", valid)}");
        }
    }

    /// <summary><see cref="Check"/> for each object in the array field <paramref name="name"/> (e.g. <c>messages[2].</c>).</summary>
    public static void CheckEach(JsonElement obj, string name, string prefix, IReadOnlyCollection<string> valid)
    {
        if (JsonFields.Field(obj, name) is not { ValueKind: JsonValueKind.Array } items) return;
        var index = 0;
        foreach (var item in items.EnumerateArray()) Check(item, $"{prefix}{name}[{index++}].", valid);
    }

    /// <summary>A hostile body may carry a field name of any length or content: the message quotes a bounded, printable excerpt.</summary>
    private static string Printable(string name)
    {
        var printable = new string(name.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return name.Length > 40 ? printable + "…" : printable;
    }
}
