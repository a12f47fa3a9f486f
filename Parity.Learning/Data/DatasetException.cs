namespace Parity.Learning.Data;

/// <summary>
/// The dataset could not be read. The message names the place: for CSV the 1-based line number in the file and the
/// 1-based column (with its header name when there is one); for JSON the array index, e.g. <c>features[3][1]</c>.
/// </summary>
public sealed class DatasetException : FormatException
{
    public DatasetException(string message, long? line = null, int? column = null, Exception? inner = null)
        : base(message, inner)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line in the source file, where the error has one.</summary>
    public long? Line { get; }

    /// <summary>1-based column, where the error has one.</summary>
    public int? Column { get; }
}
