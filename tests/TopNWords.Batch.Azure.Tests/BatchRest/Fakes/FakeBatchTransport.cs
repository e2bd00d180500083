using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

/// <summary>
/// The transport under the real Azure.Core pipeline in tests: records every request as it reached the wire
/// (after retry, signing and logging) and answers with queued responses or exceptions. No network.
/// </summary>
internal sealed class FakeBatchTransport : HttpPipelineTransport
{
    private readonly Queue<Func<RecordedRequest, FakeResponse>> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly TimeProvider _clock;

    public FakeBatchTransport(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public RecordedRequest SingleRequest
    {
        get
        {
            Assert.That(Requests, Has.Count.EqualTo(1), "requests sent");
            return Requests[0];
        }
    }

    public FakeBatchTransport Enqueue(FakeResponse response)
    {
        lock (_script)
        {
            _script.Enqueue(_ => response);
        }

        return this;
    }

    public FakeBatchTransport Enqueue(int status, string? json = null, params (string Name, string Value)[] headers)
        => Enqueue(FakeResponse.Create(status, json, headers));

    public FakeBatchTransport EnqueueException(Exception exception)
    {
        lock (_script)
        {
            _script.Enqueue(_ => throw exception);
        }

        return this;
    }

    public FakeBatchTransport Enqueue(Func<RecordedRequest, FakeResponse> responder)
    {
        lock (_script)
        {
            _script.Enqueue(responder);
        }

        return this;
    }

    /// <summary>Answers every request once the queue is empty (a simulated service); <see langword="null"/> to fail instead.</summary>
    public Func<RecordedRequest, FakeResponse>? Fallback { get; set; }

    public override Request CreateRequest() => new FakeRequest();

    public override void Process(HttpMessage message) => Send(message);

    public override ValueTask ProcessAsync(HttpMessage message)
    {
        Send(message);
        return default;
    }

    private void Send(HttpMessage message)
    {
        var recorded = RecordedRequest.From(message.Request, _clock.GetUtcNow());
        lock (_requests)
        {
            _requests.Add(recorded);
        }

        Func<RecordedRequest, FakeResponse>? next;
        lock (_script)
        {
            if (!_script.TryDequeue(out next))
            {
                next = Fallback ?? throw new InvalidOperationException($"No response queued for request #{_requests.Count}: {recorded.Method} {recorded.Uri}");
            }
        }

        FakeResponse response = next(recorded);
        response.ClientRequestId = message.Request.ClientRequestId;
        message.Response = response;
    }
}

/// <summary>A request as it was sent.</summary>
internal sealed class RecordedRequest
{
    private RecordedRequest(string method, Uri uri, Dictionary<string, string> headers, byte[]? body, long? contentLength, DateTimeOffset sentAt)
    {
        Method = method;
        Uri = uri;
        Headers = headers;
        Body = body;
        ContentLength = contentLength;
        SentAt = sentAt;
    }

    public string Method { get; }

    public Uri Uri { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The body bytes; <see langword="null"/> when the request had no content at all.</summary>
    public byte[]? Body { get; }

    /// <summary>The length the transport would send as <c>Content-Length</c>; <see langword="null"/> without content.</summary>
    public long? ContentLength { get; }

    /// <summary>The fake clock's time when the request reached the transport.</summary>
    public DateTimeOffset SentAt { get; }

    public string BodyText => Body is null ? string.Empty : Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;

    /// <summary>The query parameters, names as sent, values URL-decoded.</summary>
    public IReadOnlyDictionary<string, string> Query
    {
        get
        {
            var query = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                query[Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq])] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }

            return query;
        }
    }

    public static RecordedRequest From(Request request, DateTimeOffset sentAt)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (HttpHeader header in request.Headers)
        {
            headers[header.Name] = header.Value;
        }

        byte[]? body = null;
        long? length = null;
        if (request.Content is not null)
        {
            using var buffer = new MemoryStream();
            request.Content.WriteTo(buffer, CancellationToken.None);
            body = buffer.ToArray();
            length = request.Content.TryComputeLength(out long computed) ? computed : null;
        }

        return new RecordedRequest(request.Method.Method, request.Uri.ToUri(), headers, body, length, sentAt);
    }

    public override string ToString() => $"{Method} {Uri}";
}

/// <summary>A minimal <see cref="Request"/> for the fake transport.</summary>
internal sealed class FakeRequest : Request
{
    private readonly List<(string Name, string Value)> _headers = [];

    public override string ClientRequestId { get; set; } = Guid.NewGuid().ToString();

    public override void Dispose()
    {
    }

    protected override void AddHeader(string name, string value) => _headers.Add((name, value));

    protected override bool ContainsHeader(string name) => _headers.Exists(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));

    protected override IEnumerable<HttpHeader> EnumerateHeaders()
        => _headers.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase).Select(g => new HttpHeader(g.Key, string.Join(",", g.Select(h => h.Value))));

    protected override bool RemoveHeader(string name) => _headers.RemoveAll(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) > 0;

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        var values = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        value = values.Count == 0 ? null : string.Join(",", values);
        return value is not null;
    }

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        values = found.Count == 0 ? null : found;
        return values is not null;
    }
}

/// <summary>A scripted <see cref="Response"/>.</summary>
internal sealed class FakeResponse : Response
{
    private readonly List<(string Name, string Value)> _headers = [];

    public FakeResponse(int status, string reasonPhrase = "")
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
    }

    public override int Status { get; }

    public override string ReasonPhrase { get; }

    public override Stream? ContentStream { get; set; }

    public override string ClientRequestId { get; set; } = string.Empty;

    public bool IsDisposed { get; private set; }

    public static FakeResponse Create(int status, string? body = null, params (string Name, string Value)[] headers)
    {
        var response = new FakeResponse(status);
        foreach ((string name, string value) in headers)
        {
            response.AddHeader(name, value);
        }

        if (body is not null)
        {
            response.SetContent(Encoding.UTF8.GetBytes(body));
        }

        return response;
    }

    public FakeResponse AddHeader(string name, string value)
    {
        _headers.Add((name, value));
        return this;
    }

    public FakeResponse SetContent(byte[] content)
    {
        ContentStream = new MemoryStream(content, writable: false);
        return this;
    }

    public override void Dispose()
    {
        IsDisposed = true;
        ContentStream?.Dispose();
    }

    protected override bool ContainsHeader(string name) => _headers.Exists(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Name, h.Value));

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        value = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
        return value is not null;
    }

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        values = found.Count == 0 ? null : found;
        return values is not null;
    }
}
