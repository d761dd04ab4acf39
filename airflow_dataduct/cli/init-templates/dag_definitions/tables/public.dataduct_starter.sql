-- The warehouse table of the dataduct_starter pipeline (Redshift DDL; also runs on PostgreSQL).
-- create-load-redshift creates it when missing and replaces its rows on every run.
CREATE TABLE public.dataduct_starter (
    id          BIGINT       NOT NULL,
    name        VARCHAR(256),
    PRIMARY KEY (id)
);
