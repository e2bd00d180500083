using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Auth;

/// <summary>
/// The first thing every request meets: it is answered only when its <c>Host</c> is <c>127.0.0.1:&lt;port&gt;</c> or
/// <c>localhost:&lt;port&gt;</c> (host name case-insensitive), with the port the emulator listens on; anything else
/// (another name, another port, no port, no <c>Host</c>) gets 421 <c>MisdirectedRequest</c> before authentication,
/// fault injection, counting or any endpoint (the admin ones too).
/// </summary>
/// <remarks>
/// A Shared Key signature does not cover the host, so without this check a web page that makes its own name
/// resolve to 127.0.0.1 (DNS rebinding) could send signed requests from the browser, as same-origin requests, and
/// create a pool whose start task runs a command. The browser always sends the page's own name as <c>Host</c>, which
/// is what this refuses. <c>[::1]</c> is refused too: the emulator does not listen there.
/// </remarks>
internal sealed class LoopbackHostFilter(TimeProvider time, ILogger logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        int port = context.Connection.LocalPort;
        var hosts = context.Request.Headers.Host;
        if (hosts.Count == 1 && IsAllowed(hosts[0], port))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        string received = hosts.Count == 0 ? "(none)" : string.Join(", ", hosts.ToArray());
        string canonical = FormattableString.Invariant($"127.0.0.1:{port}");
        string expected = FormattableString.Invariant($"{canonical} and localhost:{port}");
        EmulatorLog.HostRefused(logger, context.Request.Method, context.Request.Path, received, expected);

        var request = new EmulatorRequest(Guid.NewGuid().ToString(), time.GetUtcNow(), new BatchOperation(BatchOperation.Unknown));
        request.Attach(context);
        context.Response.Headers["request-id"] = request.RequestId;
        context.Response.Headers["DataServiceVersion"] = "3.0";
        var error = BatchErrorResponses.MisdirectedRequest(
            $"The emulator answers only requests whose Host is {expected}, to keep web pages that resolve their own name to 127.0.0.1 (DNS rebinding) out. Use http://{canonical}.");

        // The link in the body is built on the emulator's own address, never on the Host the request claimed.
        await Responses.WriteErrorAsync(context, error, "http://" + canonical).ConfigureAwait(false);
    }

    /// <summary>Whether a <c>Host</c> value names this emulator: <c>127.0.0.1</c> or <c>localhost</c>, and exactly this port.</summary>
    internal static bool IsAllowed(string? host, int port)
    {
        if (string.IsNullOrEmpty(host) || port <= 0)
        {
            return false;
        }

        string suffix = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!host.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> name = host.AsSpan(0, host.Length - suffix.Length);
        return name.Equals("127.0.0.1", StringComparison.Ordinal) || name.Equals("localhost", StringComparison.OrdinalIgnoreCase);
    }
}
