CREATE TABLE dingtalk_calls (
    id           BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'the order the calls were made in, across hosts',
    recorded_at  DATETIME(6)    NOT NULL,
    method       VARCHAR(60)    NOT NULL COMMENT 'the client method, e.g. CreateAndDeliverCard',
    api          VARCHAR(100)   NOT NULL COMMENT 'the metered API name, e.g. card.instances.createAndDeliver',
    http_method  VARCHAR(8)     NOT NULL,
    base_url     VARCHAR(200)   NOT NULL COMMENT 'DingTalk:ApiBaseUrl or DingTalk:LegacyBaseUrl',
    path         VARCHAR(1000)  NOT NULL COMMENT 'path and query as sent, without the access token',
    target       VARCHAR(2000)  NOT NULL COMMENT 'a conversation, users (comma-separated) or a card outTrackId',
    body         MEDIUMTEXT     NOT NULL COMMENT 'the JSON body exactly as DingTalk would receive it (text, not JSON: byte for byte)',
    KEY ix_dingtalk_calls_api (api, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci COMMENT = 'offline mode only (Development, Testing): every DingTalk call the recorder received';
