namespace Parity.Federation.Strategies;

/// <summary>A session's aggregation settings are missing, mistyped or out of range; <see cref="Field"/> says which.</summary>
public sealed class StrategyConfigException : Exception
{
    public StrategyConfigException(string field, string message, Exception? inner = null)
        : base(message, inner)
    {
        Field = field;
    }

    /// <summary>The offending setting, e.g. <c>config.beta_1</c>, or <c>method</c> for an unknown method.</summary>
    public string Field { get; }
}
