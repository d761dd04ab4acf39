-- Votes on discussion questions from Cassandra (vote.vote_kvs_timestamp, read by Aegisthus),
-- as written by the Scalding job org.coursera.etl.vote.VotesETLJob to its `questions` output.
-- Replaced on every run by create-load-redshift.
CREATE TABLE staging.cassandra_discussion_question_votes (
    discussion_question_id  VARCHAR(64)  NOT NULL ENCODE zstd,
    user_id                 INTEGER      NOT NULL ENCODE az64,
    vote_value              SMALLINT     NOT NULL ENCODE az64,
    voted_at                TIMESTAMP             ENCODE az64,
    PRIMARY KEY (discussion_question_id, user_id)
)
DISTKEY (discussion_question_id)
SORTKEY (discussion_question_id, user_id);
