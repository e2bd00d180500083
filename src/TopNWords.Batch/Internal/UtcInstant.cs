namespace TopNWords.Batch.Internal;

/// <summary>
/// A time as the 8 bytes of its UTC ticks, for objects kept once per task: a <see cref="DateTimeOffset"/> field takes 16
/// bytes and a <see cref="Nullable{T}"/> one 24, and the times kept there are UTC (the compute's clock, the service's
/// <c>Z</c> times). Read back, a time has offset zero: the same instant.
/// </summary>
internal static class UtcInstant
{
    /// <summary>The ticks of <paramref name="time"/>, plus one, or 0 for none.</summary>
    public static long Pack(DateTimeOffset? time) => time is { } t ? t.UtcTicks + 1 : 0;

    /// <summary>The time <see cref="Pack"/> made <paramref name="packed"/> from.</summary>
    public static DateTimeOffset? Unpack(long packed) => packed == 0 ? null : new DateTimeOffset(packed - 1, TimeSpan.Zero);
}
