using System.Diagnostics;

namespace Parity.Tests.Support;

/// <summary>Renders a page in headless Chromium (PARITY_TEST_CHROMIUM) and returns the DOM after its scripts ran.</summary>
public static class HeadlessChromium
{
    /// <param name="budgetMs">Virtual time the page's scripts get before the DOM is dumped.</param>
    public static async Task<string> DumpDomAsync(string url, int budgetMs = 10_000)
    {
        var profile = Directory.CreateTempSubdirectory("parity-chromium-").FullName;
        try
        {
            var chromium = new ProcessStartInfo(TestEngines.Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    $"--user-data-dir={profile}", $"--virtual-time-budget={budgetMs}", "--dump-dom", url,
                },
            };
            using var process = Process.Start(chromium)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var dom = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            await stderr;
            return dom;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
