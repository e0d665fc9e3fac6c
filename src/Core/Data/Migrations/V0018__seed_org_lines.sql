-- The 13 joint units of the district work plan and the towns' own line (data/departments.json).
INSERT INTO org_lines (code, name_zh, short_zh, city_name_zh, town_unit_zh, is_town_line) VALUES
    ('EDU', '区教育局', NULL, '市教育局', NULL, 0),
    ('PROP', '区委宣传部', NULL, '市委宣传部', NULL, 0),
    ('PLC', '区委政法委', NULL, '市委政法委', NULL, 0),
    ('POL', '市公安局余杭区分局', NULL, '市公安局', '派出所', 0),
    ('TRANS', '区交通运输局', NULL, '市交通运输局', NULL, 0),
    ('FW', '区林水局', NULL, '市林水局', NULL, 0),
    ('CULT', '区文化和广电旅游体育局', '区文广旅体局', '市文化广电旅游局', NULL, 0),
    ('HEALTH', '区卫生健康局', '区卫健局', '市卫生健康委', NULL, 0),
    ('EMER', '区应急管理局', NULL, '市应急管理局', NULL, 0),
    ('MKT', '区市场监管局', NULL, '市市场监管局', '市场监管所', 0),
    ('ENF', '区综合行政执法局', '区综合执法局', '市城管局', '综合执法中队', 0),
    ('FIRE', '区消防救援大队', NULL, '市消防救援支队', NULL, 0),
    ('ECO', '市生态环境局余杭分局', NULL, '市生态环境局', NULL, 0),
    ('TOWN', '乡镇（街道）', NULL, NULL, NULL, 1);
