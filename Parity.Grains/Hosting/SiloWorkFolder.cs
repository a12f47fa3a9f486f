using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Execution.Sandbox;

namespace Parity.Hosting;

/// <summary>
/// This silo process's folder for its tasks' scratch files (image tars being downloaded or loaded):
/// <c>$TMPDIR/parity-work/&lt;pid&gt;.&lt;start time&gt;.&lt;silo name&gt;</c>. A silo killed mid-task leaves its folder
/// behind; the next silo of the same name removes it at start. The owner in the name (as for task cgroups, see
/// <see cref="CgroupOwner"/>) tells a dead predecessor from a live silo that shares the name or the machine, whose
/// folder is never touched.
/// </summary>
public sealed class SiloWorkFolder : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly string _root;
    private readonly string _siloName;
    private readonly ILogger _logger;

    public SiloWorkFolder(ClusteringOptions cluster, ILogger<SiloWorkFolder> logger)
        : this(DefaultRoot, cluster.SiloName, logger)
    {
    }

    public SiloWorkFolder(string root, string siloName, ILogger logger)
    {
        _root = root;
        _siloName = siloName;
        _logger = logger;
        Path = System.IO.Path.Combine(root, CgroupOwner.Prefix + siloName);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloWorkFolder), ServiceLifecycleStage.RuntimeInitialize, _ =>
        {
            Prepare();
            return Task.CompletedTask;
        });

    /// <summary>Removes a dead predecessor's folder and makes this silo's; before the runner takes any task.</summary>
    public void Prepare()
    {
        Directory.CreateDirectory(_root);
        RemoveDeadPredecessors(_root, _siloName, _logger);
        Directory.CreateDirectory(Path);
    }

    /// <summary>Where every silo on this machine keeps its work folder.</summary>
    public static string DefaultRoot => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parity-work");

    /// <summary>This silo's folder, made by <see cref="Prepare"/> when the silo starts.</summary>
    public string Path { get; }

    /// <summary>Removes the folders left by silos named <paramref name="siloName"/> whose process is gone; returns how many.</summary>
    public static int RemoveDeadPredecessors(string root, string siloName, ILogger logger)
    {
        var removed = 0;
        foreach (var folder in new DirectoryInfo(root).EnumerateDirectories())
        {
            var parts = folder.Name.Split('.', 3);
            if (parts.Length < 3 || parts[2] != siloName || CgroupOwner.OwnerAlive(folder.Name)) continue;
            try
            {
                folder.Delete(recursive: true);
                removed++;
                logger.LogWarning("Silo {Silo}: removed the work folder of a previous {Predecessor} that is no longer running ({Folder})",
                    siloName, siloName, folder.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Silo {Silo}: could not remove the work folder {Folder} of a previous {Predecessor}", siloName, folder.FullName, siloName);
            }
        }
        return removed;
    }
}
