CREATE TABLE photo_uploads (
    photo_key         CHAR(32)     NOT NULL PRIMARY KEY,
    uploader_user_id  BIGINT       NOT NULL,
    uploaded_at       DATETIME(6)  NOT NULL,
    attached_kind     VARCHAR(16)  NULL COMMENT 'clue | guidance | finding: what the photo belongs to once attached (then to nothing else)',
    attached_id       BIGINT       NULL,
    attached_at       DATETIME(6)  NULL,
    KEY ix_photo_uploads_orphans (attached_kind, uploaded_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
