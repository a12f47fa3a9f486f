using Microsoft.Extensions.Logging;

namespace Parity.Tests.Support;

/// <summary>Keeps every log entry of a host in memory, so a test can see what the host said about an event.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly List<(string Category, LogLevel Level, string Message, Exception? Error)> _entries = [];

    public IReadOnlyList<(string Category, LogLevel Level, string Message, Exception? Error)> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider._entries) provider._entries.Add((category, logLevel, formatter(state, exception), exception));
        }
    }
}
