using System.Numerics.Tensors;

namespace Parity.Learning.Models;

/// <summary>
/// FedProx's proximal term <c>μ/2 · ‖w − w_anchor‖²</c> (Li et al. 2020, "Federated Optimization in Heterogeneous
/// Networks"): its gradient <c>μ · (w − w_anchor)</c> is added to the data gradient of every parameter array before
/// the optimiser's step, so SGD, momentum, Nesterov and Adam all see it as part of the objective. Biases are included:
/// the paper's w is the whole parameter vector, and a client drifting through its biases alone drifts all the same.
/// The term is never added to reported losses, so those stay the data objective and compare across strategies.
/// Trainers build one only when μ &gt; 0, so μ = 0 costs nothing and leaves results bit-identical.
/// </summary>
internal sealed class ProximalTerm
{
    private readonly float _mu;
    private readonly float[][] _anchor;
    private readonly float[] _difference;

    /// <param name="anchor">Copied: the parameters as training starts (the global model, or the initialisation).</param>
    public ProximalTerm(float mu, IReadOnlyList<float[]> anchor)
    {
        if (!(mu > 0 && float.IsFinite(mu)))
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "the proximal weight must be positive and finite");
        _mu = mu;
        _anchor = anchor.Select(p => p.ToArray()).ToArray();
        _difference = new float[_anchor.Length == 0 ? 0 : _anchor.Max(p => p.Length)];
    }

    /// <summary><c>gradients[i] += μ · (parameters[i] − anchor[i])</c> for every array, in the anchor's order.</summary>
    public void AddTo(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        for (var i = 0; i < _anchor.Length; i++) AddTo(i, parameters[i], gradients[i]);
    }

    /// <summary><c>gradient += μ · (parameter − anchor[index])</c>.</summary>
    public void AddTo(int index, ReadOnlySpan<float> parameter, Span<float> gradient)
    {
        var difference = _difference.AsSpan(0, parameter.Length);
        TensorPrimitives.Subtract(parameter, _anchor[index], difference);
        TensorPrimitives.MultiplyAdd(difference, _mu, gradient, gradient);
    }

    /// <summary>The term's derivative for a scalar parameter held outside the arrays (a linear model's intercept).</summary>
    public double Scalar(int index, float parameter) => _mu * ((double)parameter - _anchor[index][0]);
}
