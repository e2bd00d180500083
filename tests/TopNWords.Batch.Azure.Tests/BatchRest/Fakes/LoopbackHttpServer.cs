using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

/// <summary>
/// A tiny HTTP/1.1 server on a free port of 127.0.0.1 (a real socket, for tests that must see what reaches the
/// wire): it records every connection and request and answers each request with <c>Connection: close</c>.
/// Dispose it to stop listening and wait for its connections to end.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly Func<LoopbackRequest, LoopbackResponse> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<LoopbackRequest> _requests = new();
    private readonly Task _acceptLoop;
    private int _connections;

    /// <param name="respond">The answer to a request; called once per request.</param>
    public LoopbackHttpServer(Func<LoopbackRequest, LoopbackResponse> respond)
    {
        _respond = respond;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<LoopbackRequest> Requests => [.. _requests];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                LoopbackRequest? request = await ReadRequestAsync(stream, Port, _stop.Token).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                LoopbackResponse response = _respond(request);
                byte[] body = Encoding.UTF8.GetBytes(response.Body ?? string.Empty);
                var head = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {response.Reason}\r\n")
                    .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
                    .Append("Connection: close\r\n");
                if (response.Body is not null)
                {
                    head.Append("Content-Type: application/json;odata=minimalmetadata\r\n");
                }

                foreach ((string name, string value) in response.Headers)
                {
                    head.Append(name).Append(": ").Append(value).Append("\r\n");
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), _stop.Token).ConfigureAwait(false);
                await stream.WriteAsync(body, _stop.Token).ConfigureAwait(false);
                await stream.FlushAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The client went away, or the server stops.
            }
        }
    }

    /// <summary>The request line and headers (a body, if any, is read and dropped); <see langword="null"/> if the client sent none.</summary>
    private static async Task<LoopbackRequest?> ReadRequestAsync(NetworkStream stream, int port, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(received)) < 0)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0 || received.Count > MaxHeaderBytes)
            {
                return null;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        string[] lines = Encoding.ASCII.GetString([.. received.Take(headerEnd)]).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        long remaining = (headers.TryGetValue("Content-Length", out string? length) ? long.Parse(length, CultureInfo.InvariantCulture) : 0) - (received.Count - headerEnd - 4);
        while (remaining > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            remaining -= read;
        }

        return new LoopbackRequest(port, requestLine[0], requestLine.Length > 1 ? requestLine[1] : string.Empty, headers);
    }

    private static int IndexOfHeaderEnd(List<byte> bytes)
    {
        for (int i = 3; i < bytes.Count; i++)
        {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n')
            {
                return i - 3;
            }
        }

        return -1;
    }
}

/// <summary>A request as the loopback server read it: the server's port, method, request target (path and query as sent), headers.</summary>
internal sealed record LoopbackRequest(int ServerPort, string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;

    public override string ToString() => $"{Method} {Target}";
}

/// <summary>An answer of the loopback server; a non-null <see cref="Body"/> is sent as JSON.</summary>
internal sealed record LoopbackResponse(int Status, string Reason, string? Body, params (string Name, string Value)[] Headers)
{
    public static LoopbackResponse Json(string body) => new(200, "OK", body);
}
