using System.Globalization;
using System.Text.RegularExpressions;

namespace Parity.Tests.Support;

/// <summary>The samples of a Prometheus text exposition (what /metrics answers), for tests to look series up by labels.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusText(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
                labels[label.Groups[1].Value] = Regex.Unescape(label.Groups[2].Value);
            _samples.Add((match.Groups["name"].Value, labels, Number(match.Groups["value"].Value)));
        }
    }

    private static double Number(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    public IReadOnlyList<string> Names => _samples.Select(s => s.Name).Distinct().ToList();

    /// <summary>The values of the series named <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public IReadOnlyList<double> Values(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Select(s => s.Value).ToList();

    /// <summary>The one series that matches; fails naming what was there when none or several do.</summary>
    public double Single(string name, params (string Key, string Value)[] labels)
    {
        var values = Values(name, labels);
        Assert.True(values.Count == 1, $"{values.Count} series {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}; " +
                                       $"series of that name: {string.Join("; ", _samples.Where(s => s.Name == name).Select(s => string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}"))))}");
        return values[0];
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
