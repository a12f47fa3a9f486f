using System.Numerics;
using System.Numerics.Tensors;

namespace Parity.Learning.Models;

/// <summary>The activation of an MLP's hidden layers.</summary>
public enum Activation
{
    Relu,
    Tanh,
    Sigmoid,
    Identity,
}

internal static class Activations
{
    public static void Apply(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Relu: TensorPrimitives.Max(values, 0f, values); break;
            case Activation.Tanh: TensorPrimitives.Tanh(values, values); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(values, values); break;
        }
    }

    /// <summary>
    /// Multiplies <paramref name="gradient"/> by the activation's derivative, written in terms of the activation's output
    /// (so the pre-activations need not be kept).
    /// </summary>
    public static void MultiplyByDerivative(Activation activation, ReadOnlySpan<float> output, Span<float> gradient)
    {
        // Vector loops with a scalar tail: the same operations per element as the scalar form, so the same bits, but
        // no branch per element (ReLU's sign test mispredicts half the time).
        var width = Vector<float>.Count;
        var i = 0;
        switch (activation)
        {
            case Activation.Relu:
                for (; i <= gradient.Length - width; i += width)
                {
                    var o = new Vector<float>(output[i..]);
                    Vector.ConditionalSelect(Vector.GreaterThan(o, Vector<float>.Zero), new Vector<float>(gradient[i..]), Vector<float>.Zero)
                        .CopyTo(gradient[i..]);
                }
                for (; i < gradient.Length; i++)
                    if (output[i] <= 0) gradient[i] = 0;
                break;
            case Activation.Tanh:
                for (; i <= gradient.Length - width; i += width)
                {
                    var o = new Vector<float>(output[i..]);
                    (new Vector<float>(gradient[i..]) * (Vector<float>.One - o * o)).CopyTo(gradient[i..]);
                }
                for (; i < gradient.Length; i++) gradient[i] *= 1 - output[i] * output[i];
                break;
            case Activation.Sigmoid:
                for (; i <= gradient.Length - width; i += width)
                {
                    var o = new Vector<float>(output[i..]);
                    (new Vector<float>(gradient[i..]) * (o * (Vector<float>.One - o))).CopyTo(gradient[i..]);
                }
                for (; i < gradient.Length; i++) gradient[i] *= output[i] * (1 - output[i]);
                break;
        }
    }
}

/// <summary>How a fresh network's weights are drawn.</summary>
public enum Initialization
{
    /// <summary>Xavier/Glorot uniform for every layer, as scikit-learn's MLP.</summary>
    Glorot,
    /// <summary>He normal into ReLU layers.</summary>
    He,
}
