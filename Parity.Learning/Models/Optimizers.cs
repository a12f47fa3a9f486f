using System.Numerics;
using System.Numerics.Tensors;

namespace Parity.Learning.Models;

/// <summary>Applies one step to every parameter array from its gradient, keeping per-parameter state.</summary>
internal abstract class Optimizer
{
    public abstract void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients);

    public static Optimizer Create(MlpOptions options, IReadOnlyList<float[]> parameters) => options.Optimizer switch
    {
        OptimizerKind.Adam => new Adam(options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, parameters),
        _ => new Sgd(options.LearningRate, options.Momentum, options.Nesterov, parameters),
    };

    protected static float[][] ZerosLike(IReadOnlyList<float[]> parameters) =>
        parameters.Select(p => new float[p.Length]).ToArray();
}

/// <summary>
/// SGD with momentum: <c>v ← μ·v − η·g; w ← w + v</c>, or with Nesterov <c>w ← w + μ·v − η·g</c> (the
/// look-ahead written on the current weights). μ = 0 is plain SGD.
/// </summary>
internal sealed class Sgd(float learningRate, float momentum, bool nesterov, IReadOnlyList<float[]> parameters) : Optimizer
{
    private readonly float[][] _velocity = ZerosLike(parameters);

    public override void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            Span<float> w = parameters[i], v = _velocity[i];
            ReadOnlySpan<float> g = gradients[i];
            if (momentum == 0)
            {
                TensorPrimitives.MultiplyAdd(g, -learningRate, w, w);
                continue;
            }
            TensorPrimitives.Multiply(v, momentum, v);
            TensorPrimitives.MultiplyAdd(g, -learningRate, v, v);
            if (nesterov)
            {
                TensorPrimitives.MultiplyAdd(v, momentum, w, w);
                TensorPrimitives.MultiplyAdd(g, -learningRate, w, w);
            }
            else
            {
                TensorPrimitives.Add(w, v, w);
            }
        }
    }
}

/// <summary>Adam (Kingma and Ba), with the bias corrections folded into the step size.</summary>
internal sealed class Adam(float learningRate, float beta1, float beta2, float epsilon, IReadOnlyList<float[]> parameters)
    : Optimizer
{
    private readonly float[][] _first = ZerosLike(parameters);
    private readonly float[][] _second = ZerosLike(parameters);
    private int _step;

    public override void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        _step++;
        var stepSize = (float)(learningRate * Math.Sqrt(1 - Math.Pow(beta2, _step)) / (1 - Math.Pow(beta1, _step)));
        for (var i = 0; i < parameters.Count; i++)
        {
            float[] w = parameters[i], g = gradients[i], m = _first[i], v = _second[i];
            // Vectors, then a scalar tail doing the same operations in the same order (so the same bits).
            var width = Vector<float>.Count;
            var j = 0;
            for (; j <= w.Length - width; j += width)
            {
                var gj = new Vector<float>(g, j);
                var mj = beta1 * new Vector<float>(m, j) + (1 - beta1) * gj;
                var vj = beta2 * new Vector<float>(v, j) + (1 - beta2) * gj * gj;
                mj.CopyTo(m, j);
                vj.CopyTo(v, j);
                (new Vector<float>(w, j) - stepSize * mj / (Vector.SquareRoot(vj) + new Vector<float>(epsilon))).CopyTo(w, j);
            }
            for (; j < w.Length; j++)
            {
                m[j] = beta1 * m[j] + (1 - beta1) * g[j];
                v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilon);
            }
        }
    }
}
