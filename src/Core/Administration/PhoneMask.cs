namespace SchoolSafety.Core.Administration;

/// <summary>Phone numbers as shown to anyone but their owner: 138****5678.</summary>
public static class PhoneMask
{
    public static string? Mask(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone)) return null;
        var p = phone.Trim();
        if (p.Length >= 7) return $"{p[..3]}****{p[^4..]}";
        return new string('*', p.Length);
    }
}
