namespace Parity.Federation;

/// <summary>The models a federated task trains (wire: neural_network, linear_regression, random_forest).</summary>
[GenerateSerializer]
public enum FederatedModelType
{
    NeuralNetwork,
    LinearRegression,
    RandomForest,
}
