namespace Parity.Learning.Models;

/// <summary>
/// A learning parameter does not fit: a missing or out-of-range training, model, forest or partition setting, a
/// partition the dataset cannot meet, or global weights whose keys or shapes differ from the model being trained.
/// <see cref="Field"/> names the config field, option (its scikit-learn name) or weight key at fault.
/// </summary>
public sealed class ModelConfigException(string message, string? field = null) : ArgumentException(message)
{
    public string? Field { get; } = field;
}
