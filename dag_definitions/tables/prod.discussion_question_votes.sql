-- One row per (question, voter): reloaded from staging.cassandra_discussion_question_votes.
CREATE TABLE prod.discussion_question_votes (
    discussion_question_id  VARCHAR(64)  NOT NULL ENCODE zstd,
    user_id                 INTEGER      NOT NULL ENCODE az64,
    vote_value              SMALLINT     NOT NULL ENCODE az64,
    voted_at                TIMESTAMP             ENCODE az64,
    PRIMARY KEY (discussion_question_id, user_id)
)
DISTKEY (discussion_question_id)
COMPOUND SORTKEY (discussion_question_id, user_id);
