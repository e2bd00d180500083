using System.Globalization;
using System.Text;
using TopNWords.Batch;
using TopNWords.Batch.Compute;

namespace TopNWords.Samples;

/// <summary>
/// A run's progress as ONE line, whatever the number of tasks. On a terminal it is a bar redrawn in place with <c>\r</c>
/// (stage, completed/total, failed, the bar, the percentage, elapsed time, completion rate), at most once every
/// <see cref="RedrawInterval"/>, with a last draw and a line break when the run ends (<see cref="Dispose"/>). Redirected (a
/// file, a pipe, CI, the tests) it writes no <c>\r</c>: each stage as <c>[Stage]</c> on its own line (as before; scripts and
/// tests wait for those lines), and the task counts as a plain line only when the completed count reaches another
/// <see cref="PlainPercentStep"/>% of the tasks, or at most every <see cref="PlainInterval"/> while the counts change, and
/// once more at the end if they changed since: never one line per task. With <c>--verbose</c>, each task's completion
/// is printed on its own line too (<c>  done: NAME (k/N)</c>, <c>  FAILED: NAME (k/N)</c>), above the bar on a terminal.
/// </summary>
/// <remarks>
/// The completed count shown is the larger of the job's last polled count and the number of distinct tasks reported as
/// completed (each counted once). Every completion report of one listing carries the same counts, those of the poll
/// before the listing, so numbering each task by the polled count printed "(2/3)" for two tasks; the <c>k</c> of a
/// per-task line is instead the number of distinct tasks reported completed so far (1, 2, 3). The polled count may be
/// ahead of it for a moment (tasks counted by the service, not listed yet), so with <c>--verbose</c> a count line can
/// say 2/3 just before the line of the 1st task. Thread-safe: the workflow reports from its own thread,
/// the redraw timer from the thread pool.
/// </remarks>
internal sealed class SampleProgress : IProgress<BatchRunProgress>, IDisposable
{
    /// <summary>The least time between two redraws of the bar (at most 10 a second).</summary>
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Redirected: the least time between two count lines that do not mark another <see cref="PlainPercentStep"/>%.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>Redirected: a count line each time the completed tasks reach another multiple of this percentage of the tasks.</summary>
    public const int PlainPercentStep = 10;

    private const int BarWidth = 16;

    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly bool _verbose;
    private readonly TimeProvider _time;
    private readonly int _width;
    private readonly long _start;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _completedTaskIds = new(StringComparer.Ordinal);

    private BatchRunStage? _stage;
    private int _total;
    private int _completed;
    private int _failed;
    private int _failedReported;
    private long? _monitoringStart;
    private long? _monitoringEnd;
    private int _monitoringBase;
    private bool _finished;

    // Terminal.
    private long? _lastDraw;
    private bool _dirty;
    private int _lineLength;
    private string _drawn = string.Empty;

    // Redirected.
    private (int Completed, int Failed)? _printed;
    private int _printedStep = -1;
    private long _printedAt;

    /// <summary>Initializes a new instance of the <see cref="SampleProgress"/> class.</summary>
    /// <param name="writer">Where the progress goes (the samples: standard error; standard output carries the results).</param>
    /// <param name="interactive">Whether <paramref name="writer"/> is a terminal that a <c>\r</c> redraws in place.</param>
    /// <param name="verbose">Whether to print a line for each task's completion as well (<c>--verbose</c>).</param>
    /// <param name="time">The clock, and the redraw timer's (terminal only).</param>
    /// <param name="width">The terminal's width in columns: the bar's line is kept shorter, so that it never wraps.</param>
    public SampleProgress(TextWriter writer, bool interactive, bool verbose, TimeProvider time, int width = 80)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(time);
        _writer = writer;
        _interactive = interactive;
        _verbose = verbose;
        _time = time;
        _width = width > 10 ? width : 80;
        _start = time.GetTimestamp();
        if (interactive)
        {
            // Draws what a throttled report left pending, and keeps the elapsed time moving between reports.
            _timer = time.CreateTimer(static state => ((SampleProgress)state!).Refresh(), this, RedrawInterval, RedrawInterval);
        }
    }

    /// <summary>Progress on standard error: a bar when it is a terminal (not redirected, and TERM is not <c>dumb</c>), plain lines otherwise.</summary>
    /// <param name="verbose">Whether to print a line per task as well (<c>--verbose</c>).</param>
    public static SampleProgress ForConsole(bool verbose)
    {
        bool interactive = IsInteractive(Console.IsErrorRedirected, Environment.GetEnvironmentVariable("TERM"));
        int width = 80;
        if (interactive)
        {
            try
            {
                width = Console.WindowWidth;
            }
            catch (IOException)
            {
                // No console window to ask: the default width.
            }
        }

        return new SampleProgress(Console.Error, interactive, verbose, TimeProvider.System, width);
    }

    /// <summary>
    /// Whether the progress stream can show a bar redrawn in place: it is not redirected (it is the terminal) and the terminal
    /// is not <c>TERM=dumb</c>. NO_COLOR does not matter: the bar has no colour.
    /// </summary>
    /// <param name="redirected">Whether the stream the progress is written to is redirected (a file, a pipe).</param>
    /// <param name="term">The TERM environment variable, or null.</param>
    public static bool IsInteractive(bool redirected, string? term) =>
        !redirected && !string.Equals(term, "dumb", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public void Report(BatchRunProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            long now = _time.GetTimestamp();
            bool stageChanged = value.Stage != _stage;
            if (stageChanged && !_interactive && _stage == BatchRunStage.Monitoring)
            {
                // The last counts of the stage, before the next stage's line.
                PrintCounts(now, force: true);
            }

            if (stageChanged && _stage == BatchRunStage.Monitoring)
            {
                _monitoringEnd = now;
            }

            _stage = value.Stage;
            var task = value.CompletedTask is { } completed && _completedTaskIds.Add(completed.TaskId) ? completed : null;
            if (task is not null && task.Result != TaskExecutionResult.Success)
            {
                _failedReported++;
            }

            _total = Math.Max(_total, value.Counts.Total);
            _completed = Math.Max(_completed, Math.Max(value.Counts.Completed, _completedTaskIds.Count));
            _failed = Math.Max(_failed, Math.Max(value.Counts.Failed, _failedReported));
            if (value.Stage == BatchRunStage.Monitoring && _monitoringStart is null)
            {
                _monitoringStart = now;
                _monitoringBase = _completed;
            }

            if (stageChanged && !_interactive)
            {
                WriteLine($"[{value.Stage}]");
            }

            if (task is not null && _verbose)
            {
                string outcome = task.Result == TaskExecutionResult.Success ? "done" : "FAILED";
                WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outcome}: {task.Input.Name} ({_completedTaskIds.Count}/{(_total > 0 ? _total.ToString(CultureInfo.InvariantCulture) : "?")})"));
            }

            if (_interactive)
            {
                _dirty = true;
                if (IsRedrawDue(now))
                {
                    Draw(now);
                }
            }
            else
            {
                PrintCounts(now, force: false);
            }
        }
    }

    /// <summary>On a terminal, redraws the bar if a report is pending or the elapsed time moved on, and the last draw is <see cref="RedrawInterval"/> old (the timer calls it).</summary>
    public void Refresh()
    {
        lock (_gate)
        {
            if (_finished || !_interactive || _stage is null)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (IsRedrawDue(now) && (_dirty || Compose(now) != _drawn))
            {
                Draw(now);
            }
        }
    }

    /// <summary>Ends the progress: on a terminal, the bar's last draw (whatever the throttle) and a line break; redirected, the counts if they changed since the last line. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            _timer?.Dispose();
            if (_stage is null)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (_interactive)
            {
                Draw(now);
                _writer.WriteLine();
                _lineLength = 0;
            }
            else
            {
                PrintCounts(now, force: true);
            }

            _writer.Flush();
        }
    }

    private static string FormatElapsed(TimeSpan elapsed) => elapsed.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours}:{elapsed.Minutes:00}:{elapsed.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{elapsed.Minutes}:{elapsed.Seconds:00}");

    private bool IsRedrawDue(long now) => _lastDraw is not { } last || _time.GetElapsedTime(last, now) >= RedrawInterval;

    /// <summary>Tasks completed a second while monitoring (from its first report to its end), or null before a second of it has passed.</summary>
    private double? Rate(long now)
    {
        if (_monitoringStart is not { } start)
        {
            return null;
        }

        double seconds = _time.GetElapsedTime(start, _monitoringEnd ?? now).TotalSeconds;
        return seconds >= 1 ? (_completed - _monitoringBase) / seconds : null;
    }

    /// <summary>The bar's line, shorter than the terminal's width: without the bar, then without the rate, if it must.</summary>
    private string Compose(long now)
    {
        string elapsed = FormatElapsed(_time.GetElapsedTime(_start, now));
        string stage = _stage?.ToString() ?? string.Empty;
        if (_total == 0)
        {
            return Fit($"{stage}  {elapsed}");
        }

        int percent = _completed * 100 / _total;
        int filled = Math.Min(BarWidth, _completed * BarWidth / _total);
        // Short enough for 80 columns with 10,000 tasks, an hour and the bar: "Downloading  10000/10000, 12 failed  [################] 100%  1:02:03  123.4/s".
        string counts = string.Create(CultureInfo.InvariantCulture, $"{stage}  {_completed}/{_total}, {_failed} failed");
        string rate = Rate(now) is { } r ? string.Create(CultureInfo.InvariantCulture, $"  {r:F1}/s") : string.Empty;
        string line = string.Create(CultureInfo.InvariantCulture, $"{counts}  [{new string('#', filled)}{new string('-', BarWidth - filled)}] {percent,3}%  {elapsed}{rate}");
        if (line.Length >= _width)
        {
            line = string.Create(CultureInfo.InvariantCulture, $"{counts}  {percent}%  {elapsed}{rate}");
        }

        if (line.Length >= _width)
        {
            line = string.Create(CultureInfo.InvariantCulture, $"{counts}  {percent}%  {elapsed}");
        }

        return Fit(line);
    }

    private string Fit(string line) => line.Length < _width ? line : line[..(_width - 1)];

    /// <summary>Redraws the bar over the line (spaces rub out what a longer line left).</summary>
    private void Draw(long now)
    {
        string line = Compose(now);
        var text = new StringBuilder().Append('\r').Append(line);
        if (_lineLength > line.Length)
        {
            text.Append(' ', _lineLength - line.Length);
        }

        _writer.Write(text.ToString());
        _writer.Flush();
        _lineLength = line.Length;
        _drawn = line;
        _lastDraw = now;
        _dirty = false;
    }

    /// <summary>A line of its own: on a terminal, over the bar (which the next draw puts back below it).</summary>
    private void WriteLine(string line)
    {
        if (_interactive && _lineLength > 0)
        {
            _writer.Write('\r');
            _writer.WriteLine(line.Length >= _lineLength ? line : line + new string(' ', _lineLength - line.Length));
            _lineLength = 0;
            _drawn = string.Empty;
            _dirty = true;
        }
        else
        {
            _writer.WriteLine(line);
        }
    }

    /// <summary>Redirected: the counts line, when the completed tasks reached another step, the last line is <see cref="PlainInterval"/> old, or <paramref name="force"/>; never twice the same counts.</summary>
    private void PrintCounts(long now, bool force)
    {
        if (_total == 0 || _printed == (_completed, _failed))
        {
            return;
        }

        int step = _completed * (100 / PlainPercentStep) / _total;
        if (!force && step <= _printedStep && _time.GetElapsedTime(_printedAt, now) < PlainInterval)
        {
            return;
        }

        string elapsed = FormatElapsed(_time.GetElapsedTime(_start, now));
        string rate = Rate(now) is { } r ? string.Create(CultureInfo.InvariantCulture, $", {r:F1} tasks/s") : string.Empty;
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {_completed}/{_total} tasks completed, {_failed} failed ({_completed * 100 / _total}%), {elapsed} elapsed{rate}"));
        _printed = (_completed, _failed);
        _printedStep = step;
        _printedAt = now;
    }
}
