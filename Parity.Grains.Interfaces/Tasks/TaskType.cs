namespace Parity.Tasks;

/// <summary>Task types of the upstream protocol (wire: command, docker, llm, federated_learning).</summary>
[GenerateSerializer]
public enum TaskType
{
    Command,
    Docker,
    Llm,
    FederatedLearning,
}
