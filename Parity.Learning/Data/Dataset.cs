namespace Parity.Learning.Data;

/// <summary>
/// A tabular dataset held as float32: features in one contiguous row-major buffer of <see cref="Rows"/> ×
/// <see cref="Columns"/> values, one label per row.
/// </summary>
/// <remarks>
/// Labels are numbers. When the source labels were strings, each label is the index of its class in
/// <see cref="ClassNames"/> (classes numbered in order of first appearance); otherwise <see cref="ClassNames"/> is
/// null and the labels are the source values (class ids or regression targets).
/// </remarks>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly float[] _labels;

    public Dataset(
        float[] features,
        int rows,
        int columns,
        float[] labels,
        IReadOnlyList<string>? featureNames = null,
        string? labelName = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if ((long)rows * columns != features.Length)
            throw new ArgumentException($"features has {features.Length} values, expected {rows} × {columns}", nameof(features));
        if (labels.Length != rows)
            throw new ArgumentException($"labels has {labels.Length} values, expected {rows}", nameof(labels));
        if (featureNames is not null && featureNames.Count != columns)
            throw new ArgumentException($"featureNames has {featureNames.Count} names, expected {columns}", nameof(featureNames));

        _features = features;
        _labels = labels;
        Rows = rows;
        Columns = columns;
        FeatureNames = featureNames;
        LabelName = labelName;
        ClassNames = classNames;
    }

    public int Rows { get; }

    /// <summary>Feature columns (the label is not counted).</summary>
    public int Columns { get; }

    /// <summary>All features, row-major: row i is <c>[i*Columns, (i+1)*Columns)</c>.</summary>
    public ReadOnlyMemory<float> Features => _features;

    public ReadOnlyMemory<float> Labels => _labels;

    /// <summary>Column names from the CSV header; null when the source had none.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }

    public string? LabelName { get; }

    /// <summary>Class names when labels were strings: label value k stands for <c>ClassNames[k]</c>.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    public bool HasClassNames => ClassNames is not null;

    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Rows);
        return _features.AsSpan(index * Columns, Columns);
    }

    public float Label(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Rows);
        return _labels[index];
    }

    /// <summary>A new dataset with the given rows, in the given order, copied into its own contiguous buffer.</summary>
    public Dataset Subset(ReadOnlySpan<int> rowIndices)
    {
        var features = new float[(long)rowIndices.Length * Columns];
        var labels = new float[rowIndices.Length];
        for (var i = 0; i < rowIndices.Length; i++)
        {
            var source = rowIndices[i];
            if ((uint)source >= (uint)Rows)
                throw new ArgumentOutOfRangeException(nameof(rowIndices), $"row index {source} is outside [0, {Rows})");
            _features.AsSpan(source * Columns, Columns).CopyTo(features.AsSpan(i * Columns, Columns));
            labels[i] = _labels[source];
        }
        return new Dataset(features, rowIndices.Length, Columns, labels, FeatureNames, LabelName, ClassNames);
    }
}
