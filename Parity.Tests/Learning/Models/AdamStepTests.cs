using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// One Adam step pinned to its closed form. With the bias corrections, m̂ = g and v̂ = g² on the first step, so every
/// weight with a non-zero gradient moves by −lr·sign(g) whatever the gradient's size (ε aside, negligible here); without
/// them the first step is (1−β1)/√(1−β2) ≈ 3.16 times that. Outcome tests (falling loss, accuracy) cannot tell.
/// </summary>
public sealed class AdamStepTests
{
    private const float LearningRate = 0.01f;

    // Long enough for the vector loop and the scalar tail on any SIMD width; sizes from 1e-3 to 1e3, both signs, zeros.
    private static readonly float[] Gradient =
    [
        0.5f, -3f, 1e-3f, 250f, 0f, -0.02f, 7f, -1e3f, 0.9f, -0.004f, 42f, 0f, -1f, 3e-2f, -60f, 2f, -0.75f, 1e2f, -5e-3f,
    ];

    private static float[] Weights() => Enumerable.Range(0, Gradient.Length).Select(i => 0.25f * i - 2f).ToArray();

    private static Adam Optimizer(float[] weights) => new(LearningRate, beta1: 0.9f, beta2: 0.999f, epsilon: 1e-8f, [weights]);

    [Fact]
    public void The_first_step_moves_each_weight_by_minus_lr_times_the_sign_of_its_gradient()
    {
        var before = Weights();
        var weights = Weights();

        Optimizer(weights).Step([weights], [Gradient]);

        for (var i = 0; i < weights.Length; i++)
            Assert.Equal(-LearningRate * MathF.Sign(Gradient[i]), weights[i] - before[i], 1e-5f);
    }

    [Fact]
    public void Steps_on_a_constant_gradient_keep_moving_by_lr_each()
    {
        // With a constant gradient the corrected moments stay g and g² at every step: each step is −lr·sign(g) again.
        var weights = Weights();
        var adam = Optimizer(weights);

        for (var step = 1; step <= 5; step++)
        {
            var before = weights.ToArray();
            adam.Step([weights], [Gradient]);
            for (var i = 0; i < weights.Length; i++)
                Assert.Equal(-LearningRate * MathF.Sign(Gradient[i]), weights[i] - before[i], 1e-5f);
        }
    }
}
