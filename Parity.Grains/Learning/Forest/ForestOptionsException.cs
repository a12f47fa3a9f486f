namespace Parity.Learning.Forest;

/// <summary>
/// A random forest option is invalid, or cannot be met by the data it is applied to. <see cref="Option"/> names the
/// option at fault (its scikit-learn name, e.g. <c>min_samples_leaf</c>).
/// </summary>
public sealed class ForestOptionsException(string message, string option) : ArgumentException(message)
{
    public string Option { get; } = option;
}
