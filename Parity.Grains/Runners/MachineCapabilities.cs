using System.Runtime.InteropServices;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Learning.Compute.Gpu;
using Parity.Llm;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>What this machine offers: cores, memory, shell, a container engine, the compute device, LLM models.</summary>
public sealed class MachineCapabilities(ShellExecutorOptions shell, DockerEngine docker, ComputeDevice compute, RunnerModels models)
{
    private readonly long _memoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public RunnerCapabilities Describe(IReadOnlyList<TaskType> taskTypes) => new()
    {
        Cores = Environment.ProcessorCount,
        MemoryBytes = _memoryBytes,
        Shell = shell.Enabled,
        Docker = docker.Available,
        DockerVersion = docker.Version,
        Os = RuntimeInformation.OSDescription,
        Architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        TaskTypes = taskTypes,
        Compute = compute.Info.Kind,
        ComputeDevice = compute.Info.Name,
        ComputeMemoryBytes = compute.Info.MemoryBytes,
        Models = models.Current,
        CanPullModels = models.Puller is not null,
    };
}
