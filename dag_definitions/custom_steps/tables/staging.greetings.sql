CREATE TABLE staging.greetings (
    id INTEGER PRIMARY KEY,
    greeting VARCHAR(100)
);
