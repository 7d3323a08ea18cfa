-- Uploaded and received files (ticket attachments, notice evidence, report uploads):
-- the bytes live once per content hash in file_contents, apart from the rows that list
-- them, so a list of a ticket's messages never reads an attachment.
CREATE TABLE file_contents (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    data {{bytes}} NOT NULL
);

CREATE TABLE files (
    id {{pk}},
    sha256 TEXT NOT NULL REFERENCES file_contents(sha256),
    size BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX files_owner ON files(owner, id);
