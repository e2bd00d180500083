using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace TopNWords.Batch.Tests.Diagnostics;

/// <summary>
/// Collects the workflow's spans and metrics through the OpenTelemetry SDK and its in-memory exporter, as an application
/// would (AddSource / AddMeter). The spans are those under <see cref="Root"/>, the test's own span (current while the test runs).
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private static readonly ActivitySource TestSource = new("TopNWords.Batch.Tests.Telemetry");

    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly TracerProvider _tracerProvider;
    private readonly MeterProvider _meterProvider;

    public TelemetryCapture()
    {
        _tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(TopNWordsBatchTelemetry.ActivitySourceName, TestSource.Name)
            .AddInMemoryExporter(_spans)
            .Build();
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(TopNWordsBatchTelemetry.MeterName)
            .AddInMemoryExporter(_metrics)
            .Build();
        Root = TestSource.StartActivity("test") ?? throw new InvalidOperationException("The test's span was not sampled.");
    }

    public Activity Root { get; }

    /// <summary>The finished spans of this test's trace.</summary>
    public List<Activity> Spans()
    {
        _tracerProvider.ForceFlush();
        lock (_spans)
        {
            return [.. _spans.ToArray().Where(s => s.TraceId == Root.TraceId && s.Source.Name == TopNWordsBatchTelemetry.ActivitySourceName)];
        }
    }

    public List<Activity> Spans(string operationName) => [.. Spans().Where(s => s.OperationName == operationName)];

    /// <summary>The sum of a counter over the points whose tags include <paramref name="tags"/>.</summary>
    public long Sum(string instrument, params (string Key, string Value)[] tags)
    {
        long total = 0;
        foreach (var point in Points(instrument, tags))
        {
            total += point.GetSumLong();
        }

        return total;
    }

    /// <summary>The number of values a histogram recorded over the points whose tags include <paramref name="tags"/>.</summary>
    public long HistogramCount(string instrument, params (string Key, string Value)[] tags)
        => Points(instrument, tags).Sum(p => p.GetHistogramCount());

    /// <summary>Every tag value of every span of this test's trace, as text.</summary>
    public List<string> AllTagValues() => [.. Spans().SelectMany(s => s.TagObjects).Select(t => Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)];

    public static string? Tag(Activity span, string key) => Convert.ToString(span.GetTagItem(key), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Root.Dispose();
        _tracerProvider.Dispose();
        _meterProvider.Dispose();
    }

    private List<MetricPoint> Points(string instrument, (string Key, string Value)[] tags)
    {
        _metrics.Clear();
        _meterProvider.ForceFlush();
        var points = new List<MetricPoint>();
        foreach (var snapshot in _metrics.Where(m => m.Name == instrument))
        {
            foreach (var point in snapshot.MetricPoints)
            {
                var pointTags = new Dictionary<string, string?>();
                foreach (var tag in point.Tags)
                {
                    pointTags[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                }

                if (tags.All(t => pointTags.TryGetValue(t.Key, out string? v) && v == t.Value))
                {
                    points.Add(point);
                }
            }
        }

        return points;
    }
}
