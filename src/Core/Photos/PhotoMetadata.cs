namespace SchoolSafety.Core.Photos;

/// <summary>
/// Removes metadata from a photo's file without touching its pixels: a JPEG keeps only the segments a
/// decoder needs (JFIF, quantisation and Huffman tables, frame, scan and its data), losing every APPn
/// segment but JFIF (EXIF with GPS, XMP, IPTC, ICC) and every comment, and nothing after the end marker;
/// a PNG keeps only the chunks decoding and colour need (no text, time, EXIF, private or unknown chunk). The kept parts are moved to the front of the same buffer
/// (the result is never longer than the input) and the new length is returned; null when the file's
/// structure is broken, and then the buffer's contents are undefined.
/// </summary>
public static class PhotoMetadata
{
    public static int? StripJpeg(Span<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return null;
        var output = new Compactor(2);
        var pos = 2;
        while (pos + 1 < b.Length)
        {
            if (b[pos] != 0xFF) return null;
            var marker = b[pos + 1];
            if (marker == 0xFF) { pos++; continue; }                       // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }   // standalone markers outside a scan: meaningless, dropped
            if (marker == 0xD9) return output.Keep(b, pos, 2);
            if (pos + 3 >= b.Length) return null;
            var length = (b[pos + 2] << 8) | b[pos + 3];
            if (length < 2 || pos + 2 + length > b.Length) return null;
            if (marker == 0xDA)
            {
                // The scan: header and entropy-coded data up to the end marker (FF D9 cannot occur inside the data).
                var end = b[pos..].IndexOf(stackalloc byte[] { 0xFF, 0xD9 });
                return end < 0 ? null : output.Keep(b, pos, end + 2);
            }
            var keep = !(marker is (>= 0xE1 and <= 0xEF) or 0xFE);          // APP1–APP15 and COM go
            if (keep) output.Keep(b, pos, 2 + length);
            pos += 2 + length;
        }
        return null;
    }

    /// <summary>
    /// The chunks a PNG keeps: what decoding and colour need. Everything else goes — text, time and EXIF, and any private or
    /// unknown chunk (which may carry anything: a camera's location, an editor's history).
    /// </summary>
    private static readonly string[] KeptPngChunks = ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs"];

    public static int? StripPng(Span<byte> b)
    {
        if (PhotoProcessor.Sniff(b) != PhotoFormat.Png) return null;
        var output = new Compactor(8);
        var pos = 8;
        while (pos + 12 <= b.Length)
        {
            var length = (b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3];
            if (length < 0 || pos + 12L + length > b.Length) return null;
            var type = System.Text.Encoding.ASCII.GetString(b.Slice(pos + 4, 4));
            var end = type == "IEND";
            if (KeptPngChunks.Contains(type)) output.Keep(b, pos, 12 + length);
            pos += 12 + length;
            if (end) return output.Length;
        }
        return null;
    }

    /// <summary>Moves kept ranges to the front of the buffer; they only ever move towards its start.</summary>
    private struct Compactor(int kept)
    {
        public int Length { get; private set; } = kept;

        public int Keep(Span<byte> buffer, int start, int count)
        {
            if (start != Length) buffer.Slice(start, count).CopyTo(buffer[Length..]);   // CopyTo handles the overlap
            return Length += count;
        }
    }
}
