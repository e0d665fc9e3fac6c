INSERT INTO holiday_years (year, source, imported_at) VALUES
    (2026, 'https://politics.gmw.cn/2025-11/04/content_38391083.htm', UTC_TIMESTAMP(6));
