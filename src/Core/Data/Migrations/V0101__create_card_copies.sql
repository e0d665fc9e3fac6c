CREATE TABLE card_copies (
    clue_id       BIGINT        NOT NULL,
    user_id       BIGINT        NOT NULL COMMENT 'the recipient (robot 1:1 chat)',
    out_track_id  VARCHAR(128)  NOT NULL COMMENT 'the card instance; one per clue, delivered to every recipient',
    delivered_at  DATETIME(6)   NOT NULL,
    PRIMARY KEY (clue_id, user_id),
    KEY ix_card_copies_track (out_track_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
