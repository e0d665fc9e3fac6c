namespace SchoolSafety.Core.Photos;

/// <summary>
/// Removes metadata from a photo's file without touching its pixels: a JPEG keeps only the segments a
/// decoder needs (JFIF, quantisation and Huffman tables, frame, scan and its data), losing every APPn
/// segment but JFIF (EXIF with GPS, XMP, IPTC, ICC) and every comment, and nothing after the end marker;
/// a PNG loses its text, time and EXIF chunks. Null when the file's structure is broken.
/// </summary>
public static class PhotoMetadata
{
    public static byte[]? StripJpeg(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return null;
        var output = new Output(b.Length);
        output.AddRange([0xFF, 0xD8]);
        var pos = 2;
        while (pos + 1 < b.Length)
        {
            if (b[pos] != 0xFF) return null;
            var marker = b[pos + 1];
            if (marker == 0xFF) { pos++; continue; }                       // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }   // standalone markers outside a scan: meaningless, dropped
            if (marker == 0xD9) { output.AddRange([0xFF, 0xD9]); return output.ToArray(); }
            if (pos + 3 >= b.Length) return null;
            var length = (b[pos + 2] << 8) | b[pos + 3];
            if (length < 2 || pos + 2 + length > b.Length) return null;
            if (marker == 0xDA)
            {
                // The scan: header and entropy-coded data up to the end marker (FF D9 cannot occur inside the data).
                var end = b[pos..].IndexOf(stackalloc byte[] { 0xFF, 0xD9 });
                if (end < 0) return null;
                output.AddRange(b.Slice(pos, end + 2));
                return output.ToArray();
            }
            var keep = !(marker is (>= 0xE1 and <= 0xEF) or 0xFE);          // APP1–APP15 and COM go
            if (keep) output.AddRange(b.Slice(pos, 2 + length));
            pos += 2 + length;
        }
        return null;
    }

    private static readonly string[] DroppedPngChunks = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"];

    public static byte[]? StripPng(ReadOnlySpan<byte> b)
    {
        if (PhotoProcessor.Sniff(b) != PhotoFormat.Png) return null;
        var output = new Output(b.Length);
        output.AddRange(b[..8]);
        var pos = 8;
        while (pos + 12 <= b.Length)
        {
            var length = (b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3];
            if (length < 0 || pos + 12L + length > b.Length) return null;
            var type = System.Text.Encoding.ASCII.GetString(b.Slice(pos + 4, 4));
            if (!DroppedPngChunks.Contains(type)) output.AddRange(b.Slice(pos, 12 + length));
            pos += 12 + length;
            if (type == "IEND") return output.ToArray();
        }
        return null;
    }

    /// <summary>A byte buffer no larger than the input (the output only ever drops parts of it).</summary>
    private sealed class Output(int capacity)
    {
        private readonly byte[] buffer = new byte[capacity];
        private int length;

        public void AddRange(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(buffer.AsSpan(length));
            length += bytes.Length;
        }

        public byte[] ToArray() => length == buffer.Length ? buffer : buffer[..length];
    }
}
