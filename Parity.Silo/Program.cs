using System.CommandLine;
using Parity.Hosting;
using Parity.Silo;

var configPath = ParityCommandLine.ConfigPathOption();
var root = new RootCommand("parity-runner: one machine's silo of a Parity cluster (run with no command = run)");
root.Options.Add(configPath);

var run = new Command("run", "Start this machine's silo; with no configuration, a complete one-process cluster on 127.0.0.1");
run.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => RunCommand.RunAsync(parse.GetValue(configPath), cancellation)));
root.Subcommands.Add(run);
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ModelsCommand.Create(configPath));
root.Subcommands.Add(ClusterCommand.Create());
root.Subcommands.Add(StorageCommand.Create(configPath));
root.Subcommands.Add(FlCommand.Create(configPath));
root.Subcommands.Add(StatusCommand.Create(configPath));
root.Subcommands.Add(AuthCommand.Create());
root.Subcommands.Add(BalanceCommand.Create(configPath));
root.Subcommands.Add(StakeCommand.Create(configPath));
root.Subcommands.Add(StakeCommand.CreateUnstake(configPath));
root.Subcommands.Add(RewardsCommand.Create(configPath));
root.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => RunCommand.RunAsync(parse.GetValue(configPath), cancellation)));

return await ParityCommandLine.InvokeAsync(root, args);
