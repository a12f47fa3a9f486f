namespace Parity.Runners;

[GenerateSerializer]
public enum RunnerStatus
{
    Online,
    Offline,
}
