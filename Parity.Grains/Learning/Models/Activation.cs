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
        switch (activation)
        {
            case Activation.Relu:
                for (var i = 0; i < gradient.Length; i++)
                    if (output[i] <= 0) gradient[i] = 0;
                break;
            case Activation.Tanh:
                for (var i = 0; i < gradient.Length; i++) gradient[i] *= 1 - output[i] * output[i];
                break;
            case Activation.Sigmoid:
                for (var i = 0; i < gradient.Length; i++) gradient[i] *= output[i] * (1 - output[i]);
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
