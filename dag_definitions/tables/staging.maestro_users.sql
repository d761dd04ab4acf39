-- Staging copy of maestro's users table: replaced on every run by create-load-redshift.
CREATE TABLE staging.maestro_users (
    id          BIGINT       NOT NULL ENCODE az64,
    user_name   VARCHAR(256)          ENCODE zstd,
    user_email  VARCHAR(256)          ENCODE zstd,
    PRIMARY KEY (id)
)
DISTSTYLE KEY
DISTKEY (id)
SORTKEY (id);
