using System.Globalization;

namespace Parity.Learning.Data;

/// <summary>
/// Collects labels. They stay numeric while every label is a number; at the first label that is not, the column
/// becomes categorical: every label, earlier ones included, is mapped to a class index in order of first appearance.
/// A numeric label in a categorical column is named by its shortest round-trip text ("1.0" → "1").
/// </summary>
internal sealed class LabelColumn
{
    private readonly FloatBuffer _values = new();
    private Dictionary<string, int>? _classes;
    private List<string>? _classNames;

    public long Count => _values.Count;

    public IReadOnlyList<string>? ClassNames => _classNames;

    /// <summary>Adds a label given as text (a number or a class name); null when added, otherwise why not.</summary>
    public string? AddText(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty) return "empty label";
        if (!NumberText.TryParse(text, out var number))
        {
            AddClass(text);
            return null;
        }
        if (!float.IsFinite(number)) return NumberText.Problem(text, out _);
        AddNumber(number);
        return null;
    }

    /// <summary>Adds a label given as a JSON number; null when added, otherwise why not.</summary>
    public string? AddNumber(ReadOnlySpan<byte> utf8)
    {
        var problem = NumberText.Problem(utf8, out var number);
        if (problem is null) AddNumber(number);
        return problem;
    }

    public float[] ToArray() => _values.ToArray();

    private void AddNumber(float value)
    {
        if (_classes is null) _values.Add(value);
        else _values.Add(ClassIndex(NumberName(value)));
    }

    private void AddClass(ReadOnlySpan<char> name)
    {
        if (_classes is null) BecomeCategorical();
        var lookup = _classes!.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(name, out var index)) index = ClassIndex(name.ToString());
        _values.Add(index);
    }

    private void BecomeCategorical()
    {
        _classes = new Dictionary<string, int>(StringComparer.Ordinal);
        _classNames = [];
        for (long i = 0; i < _values.Count; i++)
            _values[i] = ClassIndex(NumberName(_values[i]));
    }

    private int ClassIndex(string name)
    {
        if (!_classes!.TryGetValue(name, out var index))
        {
            index = _classNames!.Count;
            _classes.Add(name, index);
            _classNames.Add(name);
        }
        return index;
    }

    private static string NumberName(float value) => value.ToString(CultureInfo.InvariantCulture);
}
