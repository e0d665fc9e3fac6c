-- The daily photo quota counts one person's uploads of the last 24 hours (PhotoUploadStore.CountSinceAsync) on every
-- upload and every report with photos; without this index that count read the whole table.
CREATE INDEX ix_photo_uploads_uploader ON photo_uploads (uploader_user_id, uploaded_at);
