-- The inventory (SQLite). AUTOINCREMENT: an id is never given twice, even
-- after the last server is deleted.
CREATE TABLE servers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hostname TEXT NOT NULL UNIQUE,
    country INTEGER NOT NULL CHECK (country >= 0),
    datacenter TEXT NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE INDEX servers_country_active ON servers (country, active);
