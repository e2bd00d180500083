using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace TopNWords.WordCount;

/// <summary>
/// Counts an input that can be read at any offset on several threads, with exactly the result of one
/// thread reading it from the start.
/// </summary>
/// <remarks>
/// <para>
/// The input is cut into chunks of <see cref="WordCountOptions.ChunkSize"/> bytes, each moved forward to
/// the next token boundary (<see cref="FindBoundary"/>), so that no token or UTF-8 sequence spans two
/// chunks. Threads take chunks in input order from a shared counter and count each one into their own
/// table; the tables are merged at the end. A word's first occurrence is kept as an input offset, so
/// ties still follow the first occurrence in the whole input after the merge.
/// </para>
/// <para>
/// The first error in input order wins: once a chunk fails, no thread takes a later chunk, but the
/// earlier ones are finished, since one of them may hold an earlier invalid byte.
/// </para>
/// </remarks>
internal sealed class ParallelWordCounter
{
    private const int ProbeSize = 256;

    // The counting loops need little stack: the scanner's and table's buffers are on the heap.
    private const int WorkerStackSize = 256 * 1024;

    private readonly Source _source;
    private readonly long _length;
    private readonly WordCountOptions _options;
    private readonly string? _sourceName;
    private readonly CancellationToken _cancellationToken;
    private readonly long _chunkCount;
    private readonly Lock _errorLock = new();
    private long _nextChunk = -1;
    private long _failedChunk = long.MaxValue;
    private ExceptionDispatchInfo? _error;

    private ParallelWordCounter(Source source, long length, WordCountOptions options, string? sourceName, CancellationToken cancellationToken)
    {
        _source = source;
        _length = length;
        _options = options;
        _sourceName = sourceName;
        _cancellationToken = cancellationToken;
        _chunkCount = ((length - 1) / options.ChunkSize) + 1;
    }

    /// <summary>
    /// A parallel count of <paramref name="input"/> from its position to its end, or <see langword="null"/>
    /// when the input is too small, cannot be read at offsets, or one thread is asked for.
    /// </summary>
    /// <param name="input">The input.</param>
    /// <param name="options">The options.</param>
    /// <param name="sourceName">The name of the input, for error messages.</param>
    /// <param name="allowSeekingStreams">Whether a seekable stream other than a <see cref="FileStream"/>
    /// may be read by threads taking turns to seek and read it (synchronously).</param>
    /// <param name="cancellationToken">Stops the threads between chunks.</param>
    public static ParallelWordCounter? TryCreate(Stream input, WordCountOptions options, string? sourceName, bool allowSeekingStreams, CancellationToken cancellationToken)
    {
        if (options.Workers < 2 || !input.CanSeek)
        {
            return null;
        }

        long origin = input.Position;
        long length = input.Length - origin;
        if (length < Math.Max(options.ParallelThreshold, 1))
        {
            return null;
        }

        Source? source = input switch
        {
            FileStream file => new FileSource(file, origin, length),
            _ when allowSeekingStreams => new StreamSource(input, origin, length),
            _ => null,
        };
        return source is null ? null : new ParallelWordCounter(source, length, options, sourceName, cancellationToken);
    }

    /// <summary>Counts the input, and leaves the stream at the end of what was counted.</summary>
    public WordTable Count()
    {
        int workers = (int)Math.Min(_options.Workers, _chunkCount);
        var tables = new WordTable[workers];

        // Threads of their own, not the thread pool's: a short process would start the pool for one job.
        var threads = new Thread[workers - 1];
        for (int w = 1; w < workers; w++)
        {
            int worker = w;
            threads[w - 1] = new Thread(() => tables[worker] = CountChunks(), WorkerStackSize) { IsBackground = true, Name = "TopNWords count" };
            threads[w - 1].Start();
        }

        tables[0] = CountChunks();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        _cancellationToken.ThrowIfCancellationRequested();
        _error?.Throw();
        for (int w = 1; w < workers; w++)
        {
            tables[0].MergeFrom(tables[w]);
        }

        _source.SeekToEnd();
        return tables[0];
    }

    /// <summary>
    /// The room each thread's table starts with: one word per 256 bytes of input, from 2,048 to 32,768 words
    /// (1.5 MB of table). A table that grows copies its arrays and leaves the old ones to the garbage collector;
    /// on kjv x10 (18,318 words) starting at the full size took about a tenth off the runner's CPU time, most of
    /// it page faults on the copies and a collection. Memory that is never written is never touched.
    /// </summary>
    internal static int ExpectedWords(long length) => (int)Math.Clamp(length / 256, 2048, 1 << 15);

    /// <summary>One thread: takes chunks in order until none is left, or a chunk before the next one failed.</summary>
    private WordTable CountChunks()
    {
        var reader = new BufferedScanner(new WordTable(ExpectedWords(_length)), _options, _sourceName);
        byte[] probe = new byte[ProbeSize];
        while (!_cancellationToken.IsCancellationRequested)
        {
            long chunk = Interlocked.Increment(ref _nextChunk);
            if (chunk >= _chunkCount || chunk > Volatile.Read(ref _failedChunk))
            {
                break;
            }

            try
            {
                CountChunk(chunk, reader, probe);
            }
#pragma warning disable CA1031 // Every error is kept, and the first in input order is rethrown by Count.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lock (_errorLock)
                {
                    if (chunk < _failedChunk)
                    {
                        _failedChunk = chunk;
                        _error = ExceptionDispatchInfo.Capture(ex);
                    }
                }

                break;
            }
        }

        return reader.Table;
    }

    private void CountChunk(long chunk, BufferedScanner reader, byte[] probe)
    {
        long start = chunk == 0 ? 0 : FindBoundary(chunk * _options.ChunkSize, probe);
        long end = chunk == _chunkCount - 1 ? _length : FindBoundary((chunk + 1) * _options.ChunkSize, probe);
        if (start >= end)
        {
            return; // a token longer than the chunk: the chunk before counts it
        }

        reader.Restart(start);
        long position = start;
        while (true)
        {
            Span<byte> buffer = reader.ReadBuffer;
            if (buffer.Length > end - position)
            {
                buffer = buffer[..(int)(end - position)];
            }

            int read = buffer.IsEmpty ? 0 : _source.Read(position, buffer);
            position += read;
            if (!reader.OnRead(read))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The offset just after the first separator that starts at or after <paramref name="offset"/> (the
    /// end of the input when there is none): a token boundary that the chunks on both sides find alike.
    /// </summary>
    /// <remarks>
    /// It is found without looking before <paramref name="offset"/>, which may be inside a token or a
    /// UTF-8 sequence: an ASCII byte is never part of a multi-byte sequence, even an ill-formed one, and
    /// the lead byte of a multi-byte separator (C2, E1, E2, E3) cannot continue an earlier sequence, so
    /// a decoder from the start of the input sees the same separator there. Bytes before it are skipped.
    /// </remarks>
    private long FindBoundary(long offset, byte[] probe)
    {
        long length = _length;
        while (offset < length)
        {
            int wanted = (int)Math.Min(probe.Length, length - offset);
            int read = ReadFully(offset, probe.AsSpan(0, wanted));
            if (read < wanted)
            {
                length = offset + read; // the input is shorter than it was
            }

            ReadOnlySpan<byte> bytes = probe.AsSpan(0, read);
            int q = 0;
            for (; q < bytes.Length; q++)
            {
                byte b = bytes[q];
                if (Utf8TokenRules.IsAsciiSeparator(b))
                {
                    return offset + q + 1;
                }

                if (b is 0xC2 or 0xE1 or 0xE2 or 0xE3)
                {
                    if (q + 3 > bytes.Length && offset + bytes.Length < length)
                    {
                        break; // the sequence may go on past the probe: read again from its lead byte
                    }

                    int sequenceLength = Utf8TokenRules.SequenceLength(bytes, q, out _);
                    if (sequenceLength > 0 && Utf8TokenRules.IsMultiByteSeparator(bytes, q, sequenceLength))
                    {
                        return offset + q + sequenceLength;
                    }
                }
            }

            offset += q;
        }

        return length;
    }

    private int ReadFully(long offset, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = _source.Read(offset + total, destination[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>The input, readable at offsets from several threads at once.</summary>
    private abstract class Source(Stream stream, long origin, long length)
    {
        protected Stream Stream => stream;

        protected long Origin => origin;

        /// <summary>Reads at <paramref name="offset"/> from the counted part's start; 0 at its end.</summary>
        public abstract int Read(long offset, Span<byte> destination);

        public void SeekToEnd() => stream.Position = origin + length;
    }

    /// <summary>A file, read at offsets (<c>pread</c>) without moving the stream: no lock.</summary>
    private sealed class FileSource(FileStream stream, long origin, long length) : Source(stream, origin, length)
    {
        private readonly SafeFileHandle _handle = stream.SafeFileHandle;

        public override int Read(long offset, Span<byte> destination) => RandomAccess.Read(_handle, destination, Origin + offset);
    }

    /// <summary>Any other seekable stream: threads take turns to seek and read.</summary>
    private sealed class StreamSource(Stream stream, long origin, long length) : Source(stream, origin, length)
    {
        private readonly Lock _lock = new();

        public override int Read(long offset, Span<byte> destination)
        {
            lock (_lock)
            {
                Stream.Position = Origin + offset;
                return Stream.Read(destination);
            }
        }
    }
}
