namespace Parity.Learning.Data;

public enum DatasetFormat
{
    /// <summary>Decide by content: JSON when the first non-whitespace character is <c>{</c>, otherwise CSV.</summary>
    Auto,
    Csv,
    Json,
}
