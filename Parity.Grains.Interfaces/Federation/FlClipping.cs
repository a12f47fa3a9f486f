namespace Parity.Federation;

/// <summary>
/// How the clip norm of differential privacy is chosen (<c>config.privacy_config.clipping</c>): <see cref="Fixed"/> at
/// <c>l2_norm_clip</c> for the whole session, or <see cref="Adaptive"/>, starting there and following a quantile of the
/// update norms from round to round (Andrew et al., 2021).
/// </summary>
[GenerateSerializer]
public enum FlClipping
{
    Fixed,
    Adaptive,
}
