namespace TopNWords.WordCount;

/// <summary>CRC-32 as zlib's <c>crc32</c> and PNG compute it (polynomial 0xEDB88320, reflected), eight bytes at a time.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>, as <c>zlib.crc32(data, crc)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        uint c = ~crc;
        while (data.Length >= 8)
        {
            uint low = c ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
            uint high = (uint)(data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24));
            c = table[(7 * 256) + (low & 0xFF)] ^ table[(6 * 256) + ((low >> 8) & 0xFF)]
                ^ table[(5 * 256) + ((low >> 16) & 0xFF)] ^ table[(4 * 256) + (low >> 24)]
                ^ table[(3 * 256) + (high & 0xFF)] ^ table[(2 * 256) + ((high >> 8) & 0xFF)]
                ^ table[256 + ((high >> 16) & 0xFF)] ^ table[high >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    /// <summary>The slicing-by-8 tables: table k advances a byte's CRC by k further zero bytes.</summary>
    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (int t = 1; t < 8; t++)
        {
            for (int n = 0; n < 256; n++)
            {
                uint previous = table[((t - 1) * 256) + n];
                table[(t * 256) + n] = table[previous & 0xFF] ^ (previous >> 8);
            }
        }

        return table;
    }
}
