using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// The silo's copy of the runner directory under a burst: every task of a type no runner takes asks for a fresh copy
/// before it may be failed, and those asks must share reads of the directory grain instead of making one each.
/// </summary>
public sealed class RunnerDirectoryCacheTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Refreshes_asked_for_during_a_read_share_the_one_read_after_it()
    {
        var directory = FakeDirectory.Create();
        var cache = Cache(directory);

        var first = cache.RefreshAsync();
        var later = Enumerable.Range(0, 5).Select(_ => cache.RefreshAsync()).ToList();
        await directory.WaitForReads(1);
        Assert.Equal(1, directory.Reads); // the later ones wait for the first to end before reading

        directory.Answer(0, [Runner("a", TaskType.Command)]);
        await first.WaitAsync(Limit);
        // The later callers asked after the first read had started, so it may have missed what they wait for.
        await directory.WaitForReads(2);
        Assert.All(later, t => Assert.False(t.IsCompleted));

        directory.Answer(1, [Runner("a", TaskType.Command), Runner("b", TaskType.Docker)]);
        await Task.WhenAll(later).WaitAsync(Limit);
        Assert.Equal(2, directory.Reads);
        Assert.Equal(["a", "b"], cache.Runners.Select(r => r.Name));

        // Nothing under way: the next ask reads again.
        var next = cache.RefreshAsync();
        await directory.WaitForReads(3);
        directory.Answer(2, []);
        await next.WaitAsync(Limit);
    }

    [Fact]
    public async Task A_failed_read_fails_its_own_callers_and_the_waiting_ones_get_a_read_of_their_own()
    {
        var directory = FakeDirectory.Create();
        var cache = Cache(directory);

        var first = cache.RefreshAsync();
        var waiting = cache.RefreshAsync();
        await directory.WaitForReads(1);
        directory.Fail(0, new TimeoutException("directory grain did not answer"));

        await Assert.ThrowsAsync<TimeoutException>(() => first.WaitAsync(Limit));
        await directory.WaitForReads(2);
        directory.Answer(1, [Runner("a", TaskType.Command)]);
        await waiting.WaitAsync(Limit);
        Assert.Equal("a", Assert.Single(cache.Runners).Name);
    }

    [Fact]
    public async Task Why_no_runner_can_run_a_type_follows_the_directory()
    {
        var directory = FakeDirectory.Create();
        var cache = Cache(directory);
        var docker = new ParityTask { Id = "d1", Type = TaskType.Docker };

        await Read(cache, directory, 0, [Runner("a", TaskType.Command)]);
        Assert.Equal("no runner in the cluster can run 'docker' tasks (" + TaskTypes.Of(TaskType.Docker).RunnerNeeds +
                     "); online runners: a [command]", cache.NoneCanRun(docker));

        await Read(cache, directory, 1, [Runner("a", TaskType.Command), Runner("b", TaskType.Docker)]);
        Assert.Null(cache.NoneCanRun(docker));
        Assert.Equal(["b"], cache.Candidates(docker));

        await Read(cache, directory, 2, [Runner("a", TaskType.Command, TaskType.Docker)]);
        Assert.Null(cache.NoneCanRun(docker));
        await Read(cache, directory, 3, [Runner("c", TaskType.Llm)]);
        Assert.EndsWith("online runners: c [llm]", cache.NoneCanRun(docker));
    }

    [Fact]
    public async Task A_task_that_only_waits_costs_no_read_and_one_about_to_fail_for_good_reads_first()
    {
        var directory = FakeDirectory.Create();
        var cache = Cache(directory);
        var router = new DirectoryTaskRouter(cache);
        await Read(cache, directory, 0, [Runner("a", TaskType.Docker)]);

        // No runner takes docker tasks... but docker is not decided once at a runner's start: the task waits.
        await Read(cache, directory, 1, [Runner("a", TaskType.Command)]);
        var waits = await router.RouteAsync(new ParityTask { Id = "d1", Type = TaskType.Docker }, new object(), null).WaitAsync(Limit);
        Assert.NotNull(waits.Unroutable);
        Assert.False(waits.UnroutableForGood);
        Assert.Equal(2, directory.Reads);

        // Federated learning is decided at start and no runner known takes it: before failing the task for good,
        // the copy is read again, and the runner that joined meanwhile takes it.
        var fl = new ParityTask { Id = "f1", Type = TaskType.FederatedLearning };
        var routing = router.RouteAsync(fl, new object(), null);
        await directory.WaitForReads(3);
        directory.Answer(2, [Runner("a", TaskType.Command), Runner("trainer", TaskType.FederatedLearning)]);
        var route = await routing.WaitAsync(Limit);
        Assert.Null(route.Unroutable);
        Assert.False(route.UnroutableForGood);
        Assert.Equal(["trainer"], route.Runners);

        // And with no such runner after the read, it is unroutable for good.
        await Read(cache, directory, 3, [Runner("a", TaskType.Command)]);
        routing = router.RouteAsync(fl, new object(), null);
        await directory.WaitForReads(5);
        directory.Answer(4, [Runner("a", TaskType.Command)]);
        route = await routing.WaitAsync(Limit);
        Assert.True(route.UnroutableForGood);
        Assert.Contains("'federated_learning'", route.Unroutable);
    }

    private static async Task Read(RunnerDirectoryCache cache, FakeDirectory directory, int read, IReadOnlyList<RunnerInfo> runners)
    {
        var refresh = cache.RefreshAsync();
        await directory.WaitForReads(read + 1);
        directory.Answer(read, runners);
        await refresh.WaitAsync(Limit);
    }

    private static RunnerDirectoryCache Cache(FakeDirectory directory) =>
        new(directory.Factory, null!, new SchedulingOptions(), NullLogger<RunnerDirectoryCache>.Instance);

    private static RunnerInfo Runner(string name, params TaskType[] types) => new()
    {
        Name = name,
        Status = RunnerStatus.Online,
        SlotsTotal = 2,
        SlotsFree = 2,
        Capabilities = new RunnerCapabilities { TaskTypes = types },
    };

    /// <summary>A grain factory whose runner directory answers each read when the test says so.</summary>
    public sealed class FakeDirectory
    {
        private readonly HeldCalls<int, IReadOnlyList<RunnerInfo>> _reads = new("the directory was read");

        private FakeDirectory() =>
            Factory = FakeGrainFactory.Handing(_ => FakeGrain.Of<IRunnerDirectoryGrain>((method, _) => method == nameof(IRunnerDirectoryGrain.GetRunners)
                ? _reads.Hold(_reads.Count)
                : throw new NotSupportedException(method)));

        public IGrainFactory Factory { get; }
        public int Reads => _reads.Count;

        public static FakeDirectory Create() => new();

        public void Answer(int read, IReadOnlyList<RunnerInfo> runners) => _reads.Answer(read, runners);

        public void Fail(int read, Exception failure) => _reads.Fail(read, failure);

        public Task WaitForReads(int count) => _reads.WaitFor(count);
    }
}
