-- Production users table, upserted from staging.maestro_users (positional: id -> user_id).
CREATE TABLE prod.users (
    user_id     BIGINT       NOT NULL ENCODE az64 DISTKEY,
    user_name   VARCHAR(256)          ENCODE zstd,
    user_email  VARCHAR(256)          ENCODE zstd,
    PRIMARY KEY (user_id)
)
COMPOUND SORTKEY (user_id);
