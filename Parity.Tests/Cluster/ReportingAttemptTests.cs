using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Execution;
using Parity.Runners;
using Parity.Storage;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A run that has finished but whose result has not reached the task grain is still the runner's. The task grain asks
/// "do you still run it?" when its lease lapses, and the report can be queued behind that very question: a "no" then
/// re-ran a finished task and threw its result away as late (seen as a flaky <see cref="LostRenewalTests"/>).
/// </summary>
public sealed class ReportingAttemptTests
{
    [Fact]
    public async Task An_attempt_whose_result_is_on_its_way_still_counts_as_running_until_it_is_delivered()
    {
        var grains = HeldReports.Create();
        var outputs = Path.Combine(Path.GetTempPath(), $"parity-reporting-{Guid.NewGuid():N}");
        var service = new TaskRunService([new FinishedAtOnce()], grains.Factory, new SchedulingOptions { MaxConcurrentTasks = 2 },
            new ClusteringOptions { SiloName = "runner-a" }, new ShellExecutorOptions(),
            new LongOutputs(new OutputStore(outputs), new RetentionOptions(), NullLogger<LongOutputs>.Instance),
            NullLogger<TaskRunService>.Instance);
        try
        {
            var task = ParityTestCluster.Command("true");
            Assert.True(service.TryStart(task, attempt: 3));

            var reported = await grains.Reported.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(3, reported.Attempt);
            Assert.Equal(0, service.SlotsUsed); // the slot is free for the next task while the result travels
            Assert.True(service.IsRunning(task.Id, 3), "a finished attempt whose report is in flight was disowned");
            Assert.False(service.IsRunning(task.Id, 2), "another attempt number was claimed");

            grains.Delivered.SetResult();
            await WaitUntil(() => !service.IsRunning(task.Id, 3));
        }
        finally
        {
            grains.Delivered.TrySetResult();
            await service.StopAsync(TimeSpan.FromSeconds(5));
            Directory.Delete(outputs, recursive: true);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the delivered attempt still counts as running after 30 s");
            await Task.Delay(20);
        }
    }

    /// <summary>An executor whose every run succeeds at once.</summary>
    private sealed class FinishedAtOnce : ITaskExecutor
    {
        public TaskType Type => TaskType.Command;
        public bool Available => true;

        public Task<ExecutionOutcome> ExecuteAsync(TaskRun run, ExecutionOutput output, CancellationToken cancellation) =>
            Task.FromResult(new ExecutionOutcome { ExitCode = 0 });
    }

    /// <summary>A grain factory whose task grains hold each result report until <see cref="Delivered"/> is set.</summary>
    public class HeldReports : DispatchProxy
    {
        public IGrainFactory Factory { get; private set; } = null!;
        public TaskCompletionSource<TaskResult> Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static HeldReports Create()
        {
            var factory = DispatchProxy.Create<IGrainFactory, HeldReports>();
            var proxy = (HeldReports)(object)factory;
            proxy.Factory = factory;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == nameof(IGrainFactory.GetGrain) && method.ReturnType == typeof(ITaskGrain))
            {
                var grain = DispatchProxy.Create<ITaskGrain, HeldTaskGrain>();
                ((HeldTaskGrain)(object)grain).Owner = this;
                return grain;
            }
            throw new NotSupportedException(method.Name);
        }
    }

    public class HeldTaskGrain : DispatchProxy
    {
        internal HeldReports Owner = null!;

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == nameof(ITaskGrain.Complete))
            {
                Owner.Reported.TrySetResult((TaskResult)args![1]!);
                return Owner.Delivered.Task;
            }
            if (method.Name == nameof(ITaskGrain.RenewLease)) return Task.FromResult(true);
            throw new NotSupportedException(method.Name);
        }
    }
}
