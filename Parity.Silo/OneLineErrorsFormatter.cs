using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Parity.Silo;

/// <summary>
/// The silo's console log: the usual "level: category[event]" line and the message, with every exception written as
/// one line (<see cref="ExceptionLine"/>) and stack frames left out. A silo that loses Redis logs one error per storage
/// call; with stack traces each was dozens of lines, and the operator's cause ("no connection … 127.0.0.1:6379") was
/// buried under Orleans' and StackExchange.Redis' frames.
/// </summary>
internal sealed class OneLineErrorsFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "parity";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, null);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.WriteLine(']');
        foreach (var line in message.ReplaceLineEndings("\n").Split('\n').Where(l => !ExceptionLine.IsStackFrame(l)))
        {
            textWriter.Write("      ");
            textWriter.WriteLine(line);
        }
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write("      ");
            textWriter.WriteLine(ExceptionLine.Of(exception));
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
