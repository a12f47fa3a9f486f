using Parity.Learning.Compute;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Models;

public sealed class MlpModelTests
{
    [Fact]
    public void One_hidden_layer_uses_the_upstream_keys_and_shapes()
    {
        var model = MlpModel.Create(MlpTask.Classification, 5, [7], 3, Activation.Relu, seed: 1);
        var weights = model.GetWeights();

        Assert.Equal(["input_to_hidden_weights", "hidden_bias", "hidden_to_output_weights", "output_bias"], weights.Keys);
        Assert.Equal([35, 7, 21, 3], weights.Values.Select(v => v.Length));
        Assert.All(weights["hidden_bias"], b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Deeper_and_shallower_networks_number_their_layers()
    {
        var deep = MlpModel.Create(MlpTask.Regression, 4, [6, 5, 3], 1, Activation.Tanh, seed: 1).GetWeights();
        Assert.Equal(
        [
            "input_to_hidden1_weights", "hidden1_bias", "hidden1_to_hidden2_weights", "hidden2_bias",
            "hidden2_to_hidden3_weights", "hidden3_bias", "hidden3_to_output_weights", "output_bias",
        ], deep.Keys);
        Assert.Equal([24, 6, 30, 5, 15, 3, 3, 1], deep.Values.Select(v => v.Length));

        var flat = MlpModel.Create(MlpTask.Classification, 4, [], 3, Activation.Relu, seed: 1).GetWeights();
        Assert.Equal(["input_to_output_weights", "output_bias"], flat.Keys);
    }

    [Fact]
    public void Weights_are_laid_out_input_row_by_output_column_as_upstream()
    {
        // input_to_hidden_weights[i * hidden + h] connects input i to hidden unit h.
        var weights = new Dictionary<string, float[]>
        {
            ["input_to_hidden_weights"] = [1, -1, 0.5f, 2],   // [[1, -1], [0.5, 2]]
            ["hidden_bias"] = [0.1f, -3],
            ["hidden_to_output_weights"] = [1, 0, -1, 0.25f], // [[1, 0], [-1, 0.25]]
            ["output_bias"] = [0, 0.5f],
        };
        var model = MlpModel.FromWeights(MlpTask.Classification, 2, [2], 2, Activation.Relu, weights);

        var probabilities = model.Predict(new float[] { 2, 1 }, 1);

        // hidden = relu([2·1 + 1·0.5 + 0.1, 2·(−1) + 1·2 − 3]) = [2.6, 0]; logits = [2.6, 0.5].
        var z = new[] { 2.6, 0.5 };
        var expected = z.Select(v => Math.Exp(v) / z.Sum(Math.Exp)).ToArray();
        Assert.Equal(expected[0], probabilities[0], 5);
        Assert.Equal(expected[1], probabilities[1], 5);
        Assert.Equal([0], model.Classify(new float[] { 2, 1 }, 1));
    }

    [Fact]
    public void He_initialisation_for_relu_and_glorot_for_tanh_have_the_expected_spread()
    {
        var relu = MlpModel.Create(MlpTask.Classification, 200, [300], 10, Activation.Relu, seed: 4, Initialization.He).GetWeights();
        var reluGlorot = MlpModel.Create(MlpTask.Classification, 200, [300], 10, Activation.Relu, seed: 4).GetWeights();
        var tanh = MlpModel.Create(MlpTask.Classification, 200, [300], 10, Activation.Tanh, seed: 4).GetWeights();

        static double Std(float[] values) => Math.Sqrt(values.Average(v => (double)v * v));
        // 60,000 draws: the sample spread is within 1 % of the target with overwhelming probability.
        Assert.InRange(Std(relu["input_to_hidden_weights"]) / Math.Sqrt(2.0 / 200), 0.99, 1.01);
        var glorot = Math.Sqrt(6.0 / 500);
        Assert.InRange(Std(tanh["input_to_hidden_weights"]) / (glorot / Math.Sqrt(3)), 0.99, 1.01);
        Assert.All(tanh["input_to_hidden_weights"], w => Assert.InRange(w, -glorot, glorot));
        Assert.All(reluGlorot["input_to_hidden_weights"], w => Assert.InRange(w, -glorot, glorot));
        Assert.InRange(Std(reluGlorot["input_to_hidden_weights"]) / (glorot / Math.Sqrt(3)), 0.99, 1.01);
    }

    public static TheoryData<MlpTask, Activation> Networks()
    {
        var data = new TheoryData<MlpTask, Activation>();
        foreach (var task in Enum.GetValues<MlpTask>())
        foreach (var activation in Enum.GetValues<Activation>())
            data.Add(task, activation);
        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Backpropagation_matches_finite_differences(MlpTask task, Activation activation)
    {
        const int rows = 6, inputs = 3, alpha100 = 5;
        var outputs = task == MlpTask.Classification ? 3 : 1;
        var model = MlpModel.Create(task, inputs, [5, 4], outputs, activation, seed: 11);
        // Non-zero biases so that no unit sits at a ReLU kink by construction.
        var random = new SeededRandom(12);
        foreach (var bias in model.BiasArrays)
            for (var i = 0; i < bias.Length; i++) bias[i] = (float)(random.NextDouble() - 0.5);
        var x = new float[rows * inputs];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        var y = Enumerable.Range(0, rows).Select(r => task == MlpTask.Classification ? r % 3 : (float)random.NextNormal()).ToArray();
        var workspace = new MlpWorkspace(model.LayerSizes, rows);
        var gemm = new CpuGemm(1);
        var weightGradients = model.WeightArrays.Select(w => new float[w.Length]).ToArray();
        var biasGradients = model.BiasArrays.Select(b => new float[b.Length]).ToArray();
        const float alpha = alpha100 / 100f;

        model.ComputeGradients(x, y, rows, alpha, workspace, gemm, weightGradients, biasGradients);

        double Objective() => model.ComputeGradients(x, y, rows, alpha, workspace, gemm,
            model.WeightArrays.Select(w => new float[w.Length]).ToArray(), model.BiasArrays.Select(b => new float[b.Length]).ToArray());
        var parameters = model.WeightArrays.Concat(model.BiasArrays).ToArray();
        var analytic = weightGradients.Concat(biasGradients).ToArray();
        for (var p = 0; p < parameters.Length; p++)
        for (var i = 0; i < parameters[p].Length; i++)
        {
            const float step = 1e-3f;
            var original = parameters[p][i];
            parameters[p][i] = original + step;
            var up = Objective();
            parameters[p][i] = original - step;
            var down = Objective();
            parameters[p][i] = original;
            var numeric = (up - down) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[p][i]) <= 2e-3 + 0.02 * Math.Abs(numeric),
                $"{task}/{activation} parameter {p}[{i}]: backprop {analytic[p][i]}, finite difference {numeric}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_batch_computed_as_two_halves_has_the_whole_batch_gradient_and_objective(int threads)
    {
        const int rows = 131, inputs = 7; // odd: the halves differ by a row
        var model = MlpModel.Create(MlpTask.Classification, inputs, [9], 4, Activation.Relu, seed: 5);
        var random = new SeededRandom(6);
        var x = new float[rows * inputs];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        var y = Enumerable.Range(0, rows).Select(r => (float)(r % 4)).ToArray();
        var gemm = new CpuGemm(threads);
        const float alpha = 0.01f;
        float[][] Zeros(float[][] like) => like.Select(a => new float[a.Length]).ToArray();
        var (wholeWeights, wholeBiases) = (Zeros(model.WeightArrays), Zeros(model.BiasArrays));
        var (halvesWeights, halvesBiases) = (Zeros(model.WeightArrays), Zeros(model.BiasArrays));

        var whole = model.ComputeGradients(x, y, rows, alpha, new MlpWorkspace(model.LayerSizes, rows), gemm, wholeWeights, wholeBiases);
        var halves = new BatchHalves(model, rows, alpha, gemm)
            .Compute(x, y, rows, new MlpWorkspace(model.LayerSizes, rows), halvesWeights, halvesBiases);

        Assert.Equal(whole, halves, 1e-6);
        foreach (var (expected, actual) in wholeWeights.Concat(wholeBiases).Zip(halvesWeights.Concat(halvesBiases)))
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 + 1e-5 * Math.Abs(expected[i]), $"{expected[i]} vs {actual[i]}");
    }
}
