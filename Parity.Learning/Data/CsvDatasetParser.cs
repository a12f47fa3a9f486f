using System.Globalization;
using nietras.SeparatedValues;

namespace Parity.Learning.Data;

/// <summary>
/// Comma-separated values, label in the last column. The first row is a header when none of its feature cells is a
/// number (a first row with some numeric and some non-numeric cells is data, and its bad cell is reported).
/// Blank lines are skipped; every other row must have the first row's column count.
/// </summary>
internal static class CsvDatasetParser
{
    public static Dataset Parse(Stream stream)
    {
        stream = new LineLengthLimitStream(stream, DatasetReader.MaxCsvLineBytes);
        using var reader = Sep.New(',')
            .Reader(o => o with
            {
                HasHeader = false,
                Unescape = true,
                DisableColCountCheck = true,
                CultureInfo = CultureInfo.InvariantCulture,
            })
            .From(stream);

        var features = new FloatBuffer();
        var labels = new LabelColumn();
        string[]? names = null;
        var columnCount = -1;

        foreach (var row in reader)
        {
            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace()) continue;
            // Sep 0.17 reports the first row's LineNumberFrom as its end line; the first row always starts at line 1.
            var line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;

            if (columnCount < 0)
            {
                columnCount = row.ColCount;
                if (columnCount < 2)
                    throw new DatasetException(
                        $"dataset needs at least 2 columns (features, then the label last), line {line} has {columnCount}",
                        line);
                if (IsHeader(row))
                {
                    names = new string[columnCount];
                    for (var c = 0; c < columnCount; c++) names[c] = row[c].Span.Trim().ToString();
                    continue;
                }
            }
            else if (row.ColCount != columnCount)
            {
                throw new DatasetException($"line {line} has {row.ColCount} columns, expected {columnCount}", line);
            }

            var labelColumn = columnCount - 1;
            for (var c = 0; c < labelColumn; c++)
            {
                var problem = NumberText.Problem(row[c].Span, out var value);
                if (problem is not null) throw CellError(line, c, names, problem);
                features.Add(value);
            }
            var labelProblem = labels.AddText(row[labelColumn].Span);
            if (labelProblem is not null) throw CellError(line, labelColumn, names, labelProblem);
        }

        if (labels.Count == 0) throw new DatasetException("dataset has no rows");

        var rows = (int)labels.Count;
        return new Dataset(
            features.ToArray(),
            rows,
            columnCount - 1,
            labels.ToArray(),
            names?[..^1],
            names?[^1],
            labels.ClassNames);
    }

    private static bool IsHeader(SepReader.Row row)
    {
        for (var c = 0; c < row.ColCount - 1; c++)
        {
            if (NumberText.TryParse(row[c].Span, out _)) return false;
        }
        return true;
    }

    private static DatasetException CellError(int line, int column, string[]? names, string problem)
    {
        var name = names is null || names[column].Length == 0 ? "" : $" ({names[column]})";
        return new DatasetException($"line {line}, column {column + 1}{name}: {problem}", line, column + 1);
    }
}
